import Foundation
import TollgateCore

/// JSON text of the OpenAI-compatible responses the simulator sends, built by hand so a chunk
/// costs microseconds (1000 concurrent streams must not wait on an encoder).
enum OpenAIBodies {
    static func quote(_ s: String) -> String { JSONValue.quoted(s) }

    static func error(message: String, type: String, code: String?) -> String {
        let codeText = code.map { quote($0) } ?? "null"
        return #"{"error":{"message":\#(quote(message)),"type":\#(quote(type)),"param":null,"code":\#(codeText)}}"#
    }

    static func usage(prompt: Int, completion: Int) -> String {
        #"{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion)}"#
    }

    static func chatChunk(id: String, model: String, created: Int, delta: String, finish: String?, index: Int = 0) -> String {
        let finishText = finish.map { quote($0) } ?? "null"
        return #"{"id":\#(quote(id)),"object":"chat.completion.chunk","created":\#(created),"model":\#(quote(model)),"choices":[{"index":\#(index),"delta":\#(delta),"finish_reason":\#(finishText)}]}"#
    }

    static func completionChunk(id: String, model: String, created: Int, text: String, finish: String?, index: Int = 0) -> String {
        let finishText = finish.map { quote($0) } ?? "null"
        return #"{"id":\#(quote(id)),"object":"text_completion","created":\#(created),"model":\#(quote(model)),"choices":[{"index":\#(index),"text":\#(quote(text)),"finish_reason":\#(finishText)}]}"#
    }

    /// The id of the tool call in choice `index` of response `id`.
    static func toolCallID(_ id: String, index: Int) -> String { "call_\(id.split(separator: "-").last ?? "0")_\(index)" }

    /// The first delta of a streamed tool call: its id, type and function name, no arguments yet.
    static func toolCallStart(id: String, name: String) -> String {
        #"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":\#(quote(id)),"type":"function","function":{"name":\#(quote(name)),"arguments":""}}]}"#
    }

    /// A delta carrying the next piece of a tool call's arguments.
    static func toolCallArguments(_ piece: String) -> String {
        #"{"tool_calls":[{"index":0,"function":{"arguments":\#(quote(piece))}}]}"#
    }

    /// A whole chat answer's message: text, or a tool call of `toolName` with `text` as its arguments.
    static func chatMessage(text: String, toolName: String?, toolCallID: String) -> String {
        guard let toolName else { return #"{"role":"assistant","content":\#(quote(text))}"# }
        return #"{"role":"assistant","content":null,"tool_calls":[{"id":\#(quote(toolCallID)),"type":"function","function":{"name":\#(quote(toolName)),"arguments":\#(quote(text))}}]}"#
    }

    static func usageChunk(id: String, model: String, created: Int, chat: Bool, usage: String) -> String {
        let object = chat ? "chat.completion.chunk" : "text_completion"
        return #"{"id":\#(quote(id)),"object":"\#(object)","created":\#(created),"model":\#(quote(model)),"choices":[],"usage":\#(usage)}"#
    }

    static func chatCompletion(id: String, model: String, created: Int, text: String, finish: String, usage: String,
                               toolName: String? = nil, choices: Int = 1) -> String {
        let items = (0..<choices).map { i in
            #"{"index":\#(i),"message":\#(chatMessage(text: text, toolName: toolName, toolCallID: toolCallID(id, index: i))),"finish_reason":\#(quote(finish))}"#
        }
        return #"{"id":\#(quote(id)),"object":"chat.completion","created":\#(created),"model":\#(quote(model)),"choices":[\#(items.joined(separator: ","))],"usage":\#(usage)}"#
    }

    static func completion(id: String, model: String, created: Int, text: String, finish: String, usage: String, choices: Int = 1) -> String {
        let items = (0..<choices).map { i in #"{"index":\#(i),"text":\#(quote(text)),"finish_reason":\#(quote(finish))}"# }
        return #"{"id":\#(quote(id)),"object":"text_completion","created":\#(created),"model":\#(quote(model)),"choices":[\#(items.joined(separator: ","))],"usage":\#(usage)}"#
    }

    static func model(_ id: String, created: Int) -> String {
        #"{"id":\#(quote(id)),"object":"model","created":\#(created),"owned_by":"tollgate-sim"}"#
    }

    /// With `base64`, each vector is the base64 text of its little-endian float32 values, as
    /// OpenAI sends for `encoding_format: base64`.
    static func embeddings(model: String, vectors: [[Double]], promptTokens: Int, base64: Bool = false) -> String {
        var out = #"{"object":"list","data":["#
        for (i, vector) in vectors.enumerated() {
            if i > 0 { out += "," }
            out += #"{"object":"embedding","index":\#(i),"embedding":"#
            if base64 {
                var bytes = Data(capacity: vector.count * 4)
                for value in vector {
                    withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                }
                out += quote(bytes.base64EncodedString())
            } else {
                out += "[" + vector.map { String(format: "%.6f", $0) }.joined(separator: ",") + "]"
            }
            out += "}"
        }
        out += #"],"model":\#(quote(model)),"usage":{"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens)}}"#
        return out
    }

    static func models(_ ids: [String], created: Int) -> String {
        let items = ids.map { model($0, created: created) }
        return #"{"object":"list","data":[\#(items.joined(separator: ","))]}"#
    }
}
