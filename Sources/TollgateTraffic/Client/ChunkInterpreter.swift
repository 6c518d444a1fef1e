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
    ///
    /// It runs on every streamed chunk and every whole answer that passes the gateway, so it
    /// reads the few fields it needs in one pass and skips the rest without building it
    /// (``JSONParser/read(_:_:)``); the bytes are checked as strictly as a full parse. Where a
    /// name appears twice, the last one counts, as in a parsed object.
    public static func read(_ data: some ContiguousBytes) -> ChunkReading? {
        JSONParser.read(data) { parser -> ChunkReading? in
            guard parser.peek() == UInt8(ascii: "{") else { return nil }  // JSON or not, no object
            var top = TopLevel()
            guard parser.readObject({ parser, key in top.read(key, &parser) }) else { return nil }
            return top.reading
        }
    }

    /// The members of the top-level object that count (the last of each name).
    private struct TopLevel {
        var error: JSONValue?
        var usage: (prompt: Int?, completion: Int?)?
        var objectKind: String?
        var dataCount: Int?
        var choice: Choice?

        mutating func read(_ key: JSONParser.Key, _ parser: inout JSONParser) -> Bool {
            if key.is("choices") {
                choice = nil
                var first: Choice?
                let found = parser.readArrayIfAny { parser, index in
                    guard index == 0 else { return parser.skipValue() }
                    var candidate = Choice()
                    let object = parser.readObjectIfAny { parser, key in candidate.read(key, &parser) }
                    return parser.settle(object) { first = candidate }
                }
                return parser.settle(found) { _ in choice = first }
            }
            if key.is("usage") {
                usage = nil
                var counts: (prompt: Int?, completion: Int?) = (nil, nil)
                let found = parser.readObjectIfAny { parser, key in
                    if key.is("prompt_tokens") { return Self.int(&parser, into: &counts.prompt) }
                    if key.is("completion_tokens") { return Self.int(&parser, into: &counts.completion) }
                    return parser.skipValue()
                }
                return parser.settle(found) { usage = counts }
            }
            if key.is("error") {
                guard let value = parser.readValue() else { return false }
                error = value
                return true
            }
            if key.is("object") { return Self.string(&parser, into: &objectKind) }
            if key.is("data") {
                dataCount = nil
                let found = parser.readArrayIfAny { parser, _ in parser.skipValue() }
                return parser.settle(found) { dataCount = $0 }
            }
            return parser.skipValue()
        }

        /// Reads a whole number into `target` (nil when the value is of another kind).
        static func int(_ parser: inout JSONParser, into target: inout Int?) -> Bool {
            target = nil
            let found = parser.readInt()
            return parser.settle(found) { target = $0 }
        }

        /// Reads a string into `target` (nil when the value is of another kind).
        static func string(_ parser: inout JSONParser, into target: inout String?) -> Bool {
            target = nil
            let found = parser.readString()
            return parser.settle(found) { target = $0 }
        }

        var reading: ChunkReading {
            var reading = ChunkReading()
            if let error, error != .null {
                if let e = error.objectValue {
                    reading.errorMessage = ["message", "code", "type"].compactMap { key -> String? in
                        guard let v = e[key], v != .null else { return nil }
                        return v.stringValue ?? v.jsonText
                    }.joined(separator: " ")
                } else {
                    reading.errorMessage = error.stringValue ?? error.jsonText
                }
            }
            if let usage {
                reading.promptTokens = usage.prompt
                reading.completionTokens = usage.completion
            }
            if objectKind == "list", let dataCount { reading.embeddingCount = dataCount }
            guard let choice else { return reading }
            if let finish = choice.finishReason, !finish.isEmpty { reading.finishReason = finish }
            // Streamed chat: `delta`; whole chat body: `message`; completions: `text`.
            if let part = choice.delta ?? choice.message {
                if let content = part.content, !content.isEmpty {
                    reading.hasContent = true
                    reading.text = content
                }
                if part.hasReasoning || part.hasToolCalls || part.hasFunctionCall { reading.hasContent = true }
            } else if let text = choice.text, !text.isEmpty {
                reading.hasContent = true
                reading.text = text
            }
            return reading
        }
    }

    /// The first choice's members that count.
    private struct Choice {
        var finishReason: String?
        var delta: Part?
        var message: Part?
        var text: String?

        mutating func read(_ key: JSONParser.Key, _ parser: inout JSONParser) -> Bool {
            if key.is("finish_reason") { return TopLevel.string(&parser, into: &finishReason) }
            if key.is("delta") { return Part.read(&parser, into: &delta) }
            if key.is("message") { return Part.read(&parser, into: &message) }
            if key.is("text") { return TopLevel.string(&parser, into: &text) }
            return parser.skipValue()
        }
    }

    /// A choice's `delta` or `message`.
    private struct Part {
        var content: String?
        var reasoningContent = false
        var reasoning = false
        var toolCalls = false
        var functionCall = false

        var hasReasoning: Bool { reasoningContent || reasoning }
        var hasToolCalls: Bool { toolCalls }
        var hasFunctionCall: Bool { functionCall }

        static func read(_ parser: inout JSONParser, into target: inout Part?) -> Bool {
            target = nil
            var part = Part()
            let found = parser.readObjectIfAny { parser, key in part.read(key, &parser) }
            return parser.settle(found) { target = part }
        }

        mutating func read(_ key: JSONParser.Key, _ parser: inout JSONParser) -> Bool {
            if key.is("content") { return TopLevel.string(&parser, into: &content) }
            if key.is("reasoning_content") { return Self.nonEmptyString(&parser, into: &reasoningContent) }
            if key.is("reasoning") { return Self.nonEmptyString(&parser, into: &reasoning) }
            if key.is("tool_calls") {
                toolCalls = false
                let found = parser.readArrayIfAny { parser, _ in parser.skipValue() }
                return parser.settle(found) { toolCalls = $0 > 0 }
            }
            if key.is("function_call") {
                functionCall = false
                let found = parser.readObjectIfAny { parser, _ in parser.skipValue() }
                return parser.settle(found) { functionCall = true }
            }
            return parser.skipValue()
        }

        static func nonEmptyString(_ parser: inout JSONParser, into flag: inout Bool) -> Bool {
            var text: String?
            guard TopLevel.string(&parser, into: &text) else { return false }
            flag = !(text ?? "").isEmpty
            return true
        }
    }
}
