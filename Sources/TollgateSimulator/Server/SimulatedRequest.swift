import Foundation
import TollgateCore

/// The parts of an OpenAI request body the simulator acts on.
struct SimulatedRequest {
    enum Kind { case chat, completion, embedding }

    var kind: Kind
    var model: String?
    /// The text the answer is chosen by: the last user message, or the prompt.
    var prompt: String
    /// All input text, for the input token count (and embeddings: one text per input).
    var inputs: [String]
    var stream: Bool
    var includeUsage: Bool
    var maxTokens: Int?
    /// Chat: a text, JSON or tool-call answer (``AnswerShape``).
    var shape: AnswerShape = .text
    /// `n`: how many choices to answer with.
    var choices = 1
    /// Embeddings: `dimensions` (the vector length asked for) and `encoding_format: base64`.
    var dimensions: Int?
    var base64 = false

    var inputTokens: Int { inputs.reduce(0) { $0 + AnswerBook.estimateTokens($1) } }

    /// Parses a request body; the error is a sentence for the 400 response.
    static func parse(_ data: Data, kind: Kind) -> Result<SimulatedRequest, ParseFailure> {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return .failure(ParseFailure(message: "The request body is not a JSON object."))
        }
        let value = JSONValue.parse(data) ?? .null
        var choices = 1
        if let n = value["n"], n != .null {
            guard let count = n.intValue, (1...128).contains(count) else {
                return .failure(ParseFailure(message: "'n' must be an integer from 1 to 128."))
            }
            choices = count
        }
        let model = object["model"] as? String
        let stream = (object["stream"] as? Bool) ?? false
        let streamOptions = object["stream_options"] as? [String: Any]
        let includeUsage = (streamOptions?["include_usage"] as? Bool) ?? false
        let maxTokens = (object["max_completion_tokens"] as? Int) ?? (object["max_tokens"] as? Int)
        switch kind {
        case .chat:
            guard let messages = object["messages"] as? [[String: Any]], !messages.isEmpty else {
                return .failure(ParseFailure(message: "'messages' must be a non-empty array of messages."))
            }
            let texts = messages.map { text(of: $0["content"]) }
            let lastUser = messages.last(where: { ($0["role"] as? String) == "user" }).map { text(of: $0["content"]) }
            let shape: AnswerShape
            switch AnswerShape.of(value) {
            case .success(let s): shape = s
            case .failure(let failure): return .failure(failure)
            }
            return .success(SimulatedRequest(
                kind: .chat, model: model, prompt: lastUser ?? texts.last ?? "", inputs: texts,
                stream: stream, includeUsage: includeUsage, maxTokens: maxTokens, shape: shape, choices: choices))
        case .completion:
            let prompt: String
            if let p = object["prompt"] as? String {
                prompt = p
            } else if let ps = object["prompt"] as? [String], let first = ps.first {
                prompt = first
            } else {
                return .failure(ParseFailure(message: "'prompt' must be a string or an array of strings."))
            }
            return .success(SimulatedRequest(
                kind: .completion, model: model, prompt: prompt, inputs: [prompt],
                stream: stream, includeUsage: includeUsage, maxTokens: maxTokens, choices: choices))
        case .embedding:
            let inputs: [String]
            if let s = object["input"] as? String {
                inputs = [s]
            } else if let ss = object["input"] as? [String], !ss.isEmpty {
                inputs = ss
            } else if let tokens = object["input"] as? [Any], !tokens.isEmpty {
                inputs = tokens.map { "\($0)" }
            } else {
                return .failure(ParseFailure(message: "'input' must be a string or a non-empty array."))
            }
            var dimensions: Int?
            if let d = value["dimensions"], d != .null {
                guard let count = d.intValue, count >= 1 else {
                    return .failure(ParseFailure(message: "'dimensions' must be a positive integer."))
                }
                dimensions = count
            }
            let encoding = value["encoding_format"]?.stringValue ?? "float"
            guard encoding == "float" || encoding == "base64" else {
                return .failure(ParseFailure(message: "Invalid value for 'encoding_format': '\(encoding)'; it must be 'float' or 'base64'."))
            }
            return .success(SimulatedRequest(
                kind: .embedding, model: model, prompt: inputs[0], inputs: inputs,
                stream: false, includeUsage: false, maxTokens: nil, dimensions: dimensions, base64: encoding == "base64"))
        }
    }

    /// The text of a message's content: a string, or the `text` parts of an array of parts.
    private static func text(of content: Any?) -> String {
        if let s = content as? String { return s }
        if let parts = content as? [[String: Any]] {
            return parts.compactMap { $0["text"] as? String }.joined(separator: "\n")
        }
        return ""
    }

    struct ParseFailure: Error { var message: String }
}
