import Foundation
import TollgateCore
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test func parsesEveryKindOfValue() {
        let text = #" {"a": [1, -2.5e3, true, false, null], "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "o": {}, "e": [], "z": 0} "#
        let value = JSONValue.parse(Data(text.utf8))
        #expect(value == .object([
            "a": .array([.integer(1), .number(-2500), .bool(true), .bool(false), .null]),
            "s": .string("q\"\\/\u{8}\u{c}\n\r\té😀"),
            "o": .object([:]), "e": .array([]), "z": .integer(0),
        ]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\\x\"", "\"\\ud83d\"", "tru", "{} x",
                      "\"line\nbreak\"", "{\"a\" 1}", "[1 2]", String(repeating: "[", count: 1000)])
    func rejectsInvalidJSON(_ text: String) {
        #expect(JSONValue.parse(Data(text.utf8)) == nil)
    }

    @Test func roundTripsThroughItsOwnText() {
        let value: JSONValue = .object(["k": .array([.string("a\"b\n"), .integer(3), .number(0.25), .null])])
        #expect(JSONValue.parse(Data(value.jsonText.utf8)) == value)
    }
}
