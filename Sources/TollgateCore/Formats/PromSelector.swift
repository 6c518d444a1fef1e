import Foundation

/// A PromQL series selector's label matchers, parsed from the text a pipeline gives
/// (`{model_name="chat-2.4", namespace=~"prod|canary"}`) and written back with every value escaped.
public struct PromSelector: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One `label op "value"` matcher.
    public struct Matcher: Sendable, Equatable, Codable {
        public enum Op: String, Sendable, Codable, CaseIterable { case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~" }
        public var label: String
        public var op: Op
        public var value: String

        public init(_ label: String, _ op: Op = .equal, _ value: String) {
            self.label = label
            self.op = op
            self.value = value
        }
    }

    public var matchers: [Matcher]

    public init(_ matchers: [Matcher]) { self.matchers = matchers }

    /// Why a selector's text does not parse, with the character offset where it went wrong.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "\(message) (at character \(offset + 1))" }
    }

    /// Parses `{label="value", …}` (braces required; values in double quotes with PromQL's escapes).
    public static func parse(_ text: String) throws -> PromSelector {
        let chars = Array(text)
        var i = 0
        func fail(_ message: String) -> ParseError { ParseError(offset: i, message: message) }
        func skipSpaces() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        skipSpaces()
        guard i < chars.count, chars[i] == "{" else { throw fail("a selector starts with '{', e.g. {model_name=\"chat\"}") }
        i += 1
        var matchers: [Matcher] = []
        while true {
            skipSpaces()
            if i < chars.count, chars[i] == "}" { i += 1; break }
            let start = i
            while i < chars.count, chars[i] == "_" || chars[i].isASCII && (chars[i].isLetter || (i > start && chars[i].isNumber)) { i += 1 }
            guard i > start else { throw fail("expected a label name") }
            let label = String(chars[start..<i])
            skipSpaces()
            var opText = ""
            while i < chars.count, "=!~".contains(chars[i]), opText.count < 2 { opText.append(chars[i]); i += 1 }
            guard let op = Matcher.Op(rawValue: opText) else { throw fail("expected =, !=, =~ or !~ after '\(label)'") }
            skipSpaces()
            guard i < chars.count, chars[i] == "\"" else { throw fail("the value of '\(label)' must be in double quotes") }
            i += 1
            var value = ""
            var closed = false
            while i < chars.count {
                let ch = chars[i]
                i += 1
                if ch == "\"" { closed = true; break }
                if ch == "\\", i < chars.count {
                    let next = chars[i]
                    i += 1
                    switch next {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    default: value.append(next)
                    }
                } else {
                    value.append(ch)
                }
            }
            guard closed else { throw fail("the value of '\(label)' has no closing quote") }
            matchers.append(Matcher(label, op, value))
            skipSpaces()
            if i < chars.count, chars[i] == "," { i += 1; continue }
            if i < chars.count, chars[i] == "}" { i += 1; break }
            throw fail("expected ',' or '}' after the value of '\(label)'")
        }
        skipSpaces()
        guard i == chars.count else { throw fail("unexpected text after the closing '}'") }
        guard !matchers.isEmpty else { throw ParseError(offset: 0, message: "the selector has no matcher; name at least one label") }
        return PromSelector(matchers)
    }

    /// `{a="x",b=~"y"}`, values escaped.
    public var description: String { "{" + matchers.map { $0.label + $0.op.rawValue + PromSelector.quote($0.value) }.joined(separator: ",") + "}" }

    /// A label value as a PromQL double-quoted string: backslash, quote and newline escaped.
    public static func quote(_ value: String) -> String { PrometheusExposition.quote(value) }

    /// This selector with `extra` matchers appended.
    public func adding(_ extra: [Matcher]) -> PromSelector { PromSelector(matchers + extra) }
}

