import Foundation

/// JSON text of the OpenAI-compatible responses the simulator sends, built by hand so a chunk
/// costs microseconds (1000 concurrent streams must not wait on an encoder).
enum OpenAIBodies {
    static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func error(message: String, type: String, code: String?) -> String {
        let codeText = code.map { quote($0) } ?? "null"
        return #"{"error":{"message":\#(quote(message)),"type":\#(quote(type)),"param":null,"code":\#(codeText)}}"#
    }

    static func usage(prompt: Int, completion: Int) -> String {
        #"{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion)}"#
    }

    static func chatChunk(id: String, model: String, created: Int, delta: String, finish: String?) -> String {
        let finishText = finish.map { quote($0) } ?? "null"
        return #"{"id":\#(quote(id)),"object":"chat.completion.chunk","created":\#(created),"model":\#(quote(model)),"choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finishText)}]}"#
    }

    static func completionChunk(id: String, model: String, created: Int, text: String, finish: String?) -> String {
        let finishText = finish.map { quote($0) } ?? "null"
        return #"{"id":\#(quote(id)),"object":"text_completion","created":\#(created),"model":\#(quote(model)),"choices":[{"index":0,"text":\#(quote(text)),"finish_reason":\#(finishText)}]}"#
    }

    static func usageChunk(id: String, model: String, created: Int, chat: Bool, usage: String) -> String {
        let object = chat ? "chat.completion.chunk" : "text_completion"
        return #"{"id":\#(quote(id)),"object":"\#(object)","created":\#(created),"model":\#(quote(model)),"choices":[],"usage":\#(usage)}"#
    }

    static func chatCompletion(id: String, model: String, created: Int, text: String, finish: String, usage: String) -> String {
        #"{"id":\#(quote(id)),"object":"chat.completion","created":\#(created),"model":\#(quote(model)),"choices":[{"index":0,"message":{"role":"assistant","content":\#(quote(text))},"finish_reason":\#(quote(finish))}],"usage":\#(usage)}"#
    }

    static func completion(id: String, model: String, created: Int, text: String, finish: String, usage: String) -> String {
        #"{"id":\#(quote(id)),"object":"text_completion","created":\#(created),"model":\#(quote(model)),"choices":[{"index":0,"text":\#(quote(text)),"finish_reason":\#(quote(finish))}],"usage":\#(usage)}"#
    }

    static func embeddings(model: String, vectors: [[Double]], promptTokens: Int) -> String {
        var out = #"{"object":"list","data":["#
        for (i, vector) in vectors.enumerated() {
            if i > 0 { out += "," }
            out += #"{"object":"embedding","index":\#(i),"embedding":["#
            out += vector.map { String(format: "%.6f", $0) }.joined(separator: ",")
            out += "]}"
        }
        out += #"],"model":\#(quote(model)),"usage":{"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens)}}"#
        return out
    }

    static func models(_ ids: [String], created: Int) -> String {
        let items = ids.map { #"{"id":\#(quote($0)),"object":"model","created":\#(created),"owned_by":"tollgate-sim"}"# }
        return #"{"object":"list","data":[\#(items.joined(separator: ","))]}"#
    }
}
