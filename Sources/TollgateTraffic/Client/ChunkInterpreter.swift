public import Foundation
import TollgateCore

/// What one OpenAI response object (a streamed chunk or a whole body) says: the client and the
/// gateway measure answers with it.
public struct ChunkReading: Sendable {
    /// The chunk carried content, reasoning or a tool call (role-only chunks do not).
    public var hasContent = false
    public var text = ""
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var errorMessage: String?
    /// An embeddings response: how many vectors.
    public var embeddingCount: Int?

    /// Reads a chunk or body; `nil` when the bytes are not a JSON object.
    public static func read(_ data: some ContiguousBytes) -> ChunkReading? {
        guard let value = JSONParser.parse(data), let object = value.objectValue else { return nil }
        var reading = ChunkReading()
        if let error = object["error"], error != .null {
            if let e = error.objectValue {
                reading.errorMessage = ["message", "code", "type"].compactMap { key -> String? in
                    guard let v = e[key], v != .null else { return nil }
                    return v.stringValue ?? v.jsonText
                }.joined(separator: " ")
            } else {
                reading.errorMessage = error.stringValue ?? error.jsonText
            }
        }
        if let usage = object["usage"]?.objectValue {
            reading.promptTokens = usage["prompt_tokens"]?.intValue
            reading.completionTokens = usage["completion_tokens"]?.intValue
        }
        if object["object"]?.stringValue == "list", let data = object["data"]?.arrayValue {
            reading.embeddingCount = data.count
        }
        guard let choice = object["choices"]?.arrayValue?.first?.objectValue else { return reading }
        if let finish = choice["finish_reason"]?.stringValue, !finish.isEmpty { reading.finishReason = finish }
        // Streamed chat: `delta`; whole chat body: `message`; completions: `text`.
        if let part = choice["delta"]?.objectValue ?? choice["message"]?.objectValue {
            if let content = part["content"]?.stringValue, !content.isEmpty {
                reading.hasContent = true
                reading.text = content
            }
            for key in ["reasoning_content", "reasoning"] where !(part[key]?.stringValue ?? "").isEmpty {
                reading.hasContent = true
            }
            if let tools = part["tool_calls"]?.arrayValue, !tools.isEmpty { reading.hasContent = true }
            if part["function_call"]?.objectValue != nil { reading.hasContent = true }
        } else if let text = choice["text"]?.stringValue, !text.isEmpty {
            reading.hasContent = true
            reading.text = text
        }
        return reading
    }
}
