import Foundation
import Testing
import TollgateCore
@testable import TollgateTraffic

/// ChunkReading reads a chunk in one pass without building it; these tests hold it to the
/// reading of the fully parsed value (``JSONValue``), the way it was read before, over answers of
/// every shape, odd but sound JSON, and thousands of damaged copies.
@Suite("Chunk reading")
struct ChunkReadingTests {
    /// The reading made from the whole parsed value: the reference.
    static func reference(_ text: [UInt8]) -> ChunkReading? {
        guard let value = JSONParser.parse(text), let object = value.objectValue else { return nil }
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

    /// Every field, for comparison.
    static func fields(_ r: ChunkReading?) -> String {
        guard let r else { return "nil" }
        return "content=\(r.hasContent) text=\(r.text.debugDescription) finish=\(r.finishReason ?? "-") prompt=\(r.promptTokens.map(String.init) ?? "-") "
            + "completion=\(r.completionTokens.map(String.init) ?? "-") error=\(r.errorMessage ?? "-") embeddings=\(r.embeddingCount.map(String.init) ?? "-")"
    }

    static let answers: [String] = [
        #"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Your order ships today."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}"#,
        #"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel\nlo \"x\" \u00e9\ud83d\ude00"},"finish_reason":null}]}"#,
        #"{"choices":[{"delta":{"role":"assistant"},"finish_reason":null}]}"#,
        #"{"choices":[{"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":12.0,"completion_tokens":3e2}}"#,
        #"{"choices":[{"delta":{"reasoning_content":"thinking"}}]}"#,
        #"{"choices":[{"delta":{"reasoning":""}}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]}}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[]}}]}"#,
        #"{"choices":[{"message":{"function_call":{"name":"f"}}}]}"#,
        #"{"choices":[{"text":"completion text","finish_reason":"stop"}]}"#,
        #"{"choices":[{"delta":"not an object","message":{"content":"from message"}}]}"#,
        #"{"choices":[]}"#,
        #"{"choices":["first is not an object",{"message":{"content":"second"}}]}"#,
        #"{"choices":{"not":"an array"}}"#,
        #"{"object":"list","data":[{"embedding":[0.1,0.2]},{"embedding":[0.3]}],"usage":{"prompt_tokens":4}}"#,
        #"{"object":"list","data":{}}"#,
        #"{"data":[1,2,3],"object":"list"}"#,
        #"{"error":{"message":"Model overloaded","type":"server_error","code":503}}"#,
        #"{"error":{"message":null,"code":"rate_limited","type":{"nested":[1,true]}}}"#,
        #"{"error":"plain words"}"#,
        #"{"error":["an", 2]}"#,
        #"{"error":null,"choices":[{"delta":{"content":"ok"}}]}"#,
        #"{"usage":{"prompt_tokens":"nine","completion_tokens":null}}"#,
        #"{"usage":{"prompt_tokens":99999999999999999999,"completion_tokens":1.5}}"#,
        #"{"usage":{"prompt_tokens":-3,"completion_tokens":0}}"#,
        #"{"usage":[1,2]}"#,
        // The last of a repeated name counts.
        #"{"usage":{"prompt_tokens":1},"usage":{"completion_tokens":2}}"#,
        #"{"choices":[{"delta":{"content":"a","content":"b"},"finish_reason":"stop","finish_reason":7}]}"#,
        #"{"choices":[{"delta":{"content":"first"}}],"choices":"gone"}"#,
        // Escaped names are compared decoded.
        #"{"us\u0061ge":{"prompt_\u0074okens":5},"choices":[{"\u0064elta":{"content":"esc"}}]}"#,
        // Deep, odd but sound JSON in members that are skipped.
        #" { "x" : [ [ [ {"a":[{},[],"\\\"",-0.5E+3,true,false,null]} ] ] ] , "choices" : [ { "delta" : { "content" : "spaced" } } ] } "#,
        String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        "{\"deep\":" + String(repeating: "[", count: 510) + String(repeating: "]", count: 510) + "}",
        "{\"deeper\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}",
        // Not objects, and not JSON.
        "[]", "\"text\"", "42", "null", "", "{", "{}", "{} {}", "{\"a\":}", "{\"a\":1,}", "{\"a\" 1}", "{'a':1}",
        "{\"choices\":[{\"delta\":{\"content\":\"cut", "{\"a\":\"\\ud83d\"}", "{\"a\":\"\\x\"}", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":tru}", "{\"a\":\"line\nbreak\"}", "data: {\"a\":1}", "{\"a\":-}", "{\"a\":[1 2]}", "{\"a\\u\":1}",
    ]

    @Test func readsEveryAnswerAsTheParsedValueReadsIt() {
        for text in Self.answers {
            let bytes = Array(text.utf8)
            #expect(Self.fields(ChunkReading.read(bytes)) == Self.fields(Self.reference(bytes)), "\(text.prefix(120))")
        }
    }

    @Test func readsWhatAChatAnswerSays() throws {
        let reading = try #require(ChunkReading.read(Array(Self.answers[0].utf8)))
        #expect(reading.text == "Your order ships today.")
        #expect(reading.finishReason == "stop")
        #expect(reading.promptTokens == 9 && reading.completionTokens == 5)
        #expect(reading.hasContent)
        let chunk = try #require(ChunkReading.read(Array(Self.answers[1].utf8)))
        #expect(chunk.text == "Hel\nlo \"x\" é😀")
        #expect(ChunkReading.read(Array("{\"a\":\"\\ud83d\"}".utf8)) == nil)
    }

    /// Damaged copies (a byte changed, removed or doubled, the text cut short) of every answer,
    /// from a fixed seed: whatever each one is, sound or not, both readings agree.
    @Test func agreesWithTheParsedValueOnDamagedCopies() {
        var random = SplitMix64(state: 20261203)
        let alphabet = Array("{}[]\":,\\ -0123456789.eE+tfnulrasx".utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        var checked = 0, disagreements: [String] = []
        for text in Self.answers where text.count < 2_000 {
            let original = Array(text.utf8)
            for _ in 0..<300 {
                var bytes = original
                for _ in 0...Int.random(in: 0...2, using: &random) {
                    let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0 where !bytes.isEmpty: bytes[at] = alphabet.randomElement(using: &random)!
                    case 1 where !bytes.isEmpty: bytes.remove(at: at)
                    case 2: bytes.insert(alphabet.randomElement(using: &random)!, at: at)
                    default: bytes = Array(bytes.prefix(at))
                    }
                }
                checked += 1
                let fast = Self.fields(ChunkReading.read(bytes)), full = Self.fields(Self.reference(bytes))
                if fast != full { disagreements.append("\(String(decoding: bytes, as: UTF8.self).prefix(100)): \(fast) vs \(full)") }
            }
        }
        #expect(checked > 10_000)
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(checked): \(disagreements.prefix(5))")
    }
}
