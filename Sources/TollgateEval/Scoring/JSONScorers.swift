import Foundation
public import TollgateCore
import TollgateTraffic

/// Reads a JSON answer: the whole answer, trimmed, or the inside of one fenced code block
/// (```json … ```), which chat models often wrap JSON in.
public enum JSONAnswer {
    public static func parse(_ answer: String) -> JSONValue? {
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if let v = JSONValue.parse(Data(trimmed.utf8)) { return v }
        guard let open = trimmed.range(of: "```") else { return nil }
        var rest = trimmed[open.upperBound...]
        if let newline = rest.firstIndex(of: "\n") { rest = rest[rest.index(after: newline)...] }
        guard let close = rest.range(of: "```") else { return nil }
        return JSONValue.parse(Data(rest[..<close.lowerBound].utf8))
    }

    /// The case's expected `fields` that the JSON answer lacks or holds with another value.
    static func fieldMismatches(_ value: JSONValue, expected: [String: JSONValue]) -> [String] {
        expected.keys.sorted().compactMap { key in
            guard let got = value[key] else { return "the field '\(key)' is missing" }
            return JSONSchemaSubset.equal(got, expected[key]!) ? nil : "'\(key)' is \(got.jsonText), expected \(expected[key]!.jsonText)"
        }
    }
}

/// `json_valid`: the answer is JSON (see ``JSONAnswer``) and has the case's expected `fields`.
public struct JSONValidScorer: Scorer {
    public var name: String
    public var weight: Double

    public init(name: String, weight: Double) {
        self.name = name
        self.weight = weight
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        guard let value = JSONAnswer.parse(input.answer) else { return outcome(0, "The answer is not valid JSON.") }
        let mismatches = JSONAnswer.fieldMismatches(value, expected: input.evalCase.fields)
        return mismatches.isEmpty ? outcome(1, "Valid JSON.") : outcome(0, "Valid JSON, but " + mismatches.joined(separator: "; ") + ".")
    }
}

/// `json_schema`: the answer is JSON that satisfies `schema` (``JSONSchemaSubset``) and has the
/// case's expected `fields`.
public struct JSONSchemaScorer: Scorer {
    public var name: String
    public var weight: Double
    public var schema: JSONSchemaSubset

    public init(name: String, weight: Double, schema: JSONSchemaSubset) {
        self.name = name
        self.weight = weight
        self.schema = schema
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        guard let value = JSONAnswer.parse(input.answer) else { return outcome(0, "The answer is not valid JSON.") }
        let problems = schema.violations(of: value) + JSONAnswer.fieldMismatches(value, expected: input.evalCase.fields)
        return problems.isEmpty ? outcome(1, "The answer satisfies the schema.")
                                : outcome(0, problems.prefix(3).joined(separator: " "))
    }
}
