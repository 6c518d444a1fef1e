import Foundation

/// What one OpenAI response object (a streamed chunk or a whole body) says.
struct ChunkReading {
    /// The chunk carried content, reasoning or a tool call (role-only chunks do not).
    var hasContent = false
    var text = ""
    var finishReason: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var errorMessage: String?
    /// An embeddings response: how many vectors.
    var embeddingCount: Int?

    /// Reads a chunk or body; `nil` when the bytes are not a JSON object.
    static func read(_ data: Data) -> ChunkReading? {
        guard let object = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any] else {
            return nil
        }
        var reading = ChunkReading()
        if let error = object["error"] {
            if let e = error as? [String: Any] {
                reading.errorMessage = [e["message"], e["code"], e["type"]].compactMap { $0.map { "\($0)" } }.joined(separator: " ")
            } else {
                reading.errorMessage = "\(error)"
            }
        }
        if let usage = object["usage"] as? [String: Any] {
            reading.promptTokens = int(usage["prompt_tokens"])
            reading.completionTokens = int(usage["completion_tokens"])
        }
        if let data = object["data"] as? [Any], object["object"] as? String == "list" {
            reading.embeddingCount = data.count
        }
        guard let choices = object["choices"] as? [Any], let choice = choices.first as? [String: Any] else {
            return reading
        }
        if let finish = choice["finish_reason"] as? String, !finish.isEmpty { reading.finishReason = finish }
        // Streamed chat: `delta`; whole chat body: `message`; completions: `text`.
        let part = (choice["delta"] as? [String: Any]) ?? (choice["message"] as? [String: Any])
        if let part {
            if let content = part["content"] as? String, !content.isEmpty {
                reading.hasContent = true
                reading.text = content
            }
            for key in ["reasoning_content", "reasoning"] {
                if let r = part[key] as? String, !r.isEmpty { reading.hasContent = true }
            }
            if let tools = part["tool_calls"] as? [Any], !tools.isEmpty { reading.hasContent = true }
            if part["function_call"] is [String: Any] { reading.hasContent = true }
        } else if let text = choice["text"] as? String, !text.isEmpty {
            reading.hasContent = true
            reading.text = text
        }
        return reading
    }

    private static func int(_ value: Any?) -> Int? {
        if let i = value as? Int { return i }
        if let d = value as? Double, d.isFinite { return Int(d) }
        return nil
    }
}
