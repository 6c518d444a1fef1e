import Foundation
import TollgateCore
import TollgateTraffic

/// `equals`: the answer equals the expected text (option `expected`, else the case's `expected`),
/// trimmed unless `trim: false`, case-insensitive with `ignore_case: true`.
public struct EqualsScorer: Scorer {
    public var name: String
    public var weight: Double
    public var expected: String?
    public var ignoreCase: Bool
    public var trim: Bool

    public init(name: String, weight: Double, expected: String? = nil, ignoreCase: Bool = false, trim: Bool = true) {
        self.name = name
        self.weight = weight
        self.expected = expected
        self.ignoreCase = ignoreCase
        self.trim = trim
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        guard let target = expected ?? input.evalCase.expected else {
            return outcome(0, "The case has no 'expected' answer to compare with.")
        }
        let a = normalize(input.answer), b = normalize(target)
        return a == b ? outcome(1, "The answer equals the expected text.") : outcome(0, "The answer differs from the expected text.")
    }

    private func normalize(_ text: String) -> String {
        var t = trim ? text.trimmingCharacters(in: .whitespacesAndNewlines) : text
        if ignoreCase { t = t.lowercased() }
        return t
    }
}

/// `contains` / `not_contains`: the answer contains any (or all, `mode: all`) of `values`;
/// `not_contains` passes when none of them occurs. The case's `fields.values` is used when the
/// scorer lists none.
public struct ContainsScorer: Scorer {
    public var name: String
    public var weight: Double
    public var values: [String]
    public var requireAll: Bool
    public var ignoreCase: Bool
    public var negated: Bool

    public init(name: String, weight: Double, values: [String], requireAll: Bool = false, ignoreCase: Bool = false, negated: Bool = false) {
        self.name = name
        self.weight = weight
        self.values = values
        self.requireAll = requireAll
        self.ignoreCase = ignoreCase
        self.negated = negated
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        var list = values
        if list.isEmpty { list = input.evalCase.fields["values"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        guard !list.isEmpty else { return outcome(0, "Neither the scorer nor the case lists 'values' to look for.") }
        let answer = ignoreCase ? input.answer.lowercased() : input.answer
        let found = list.filter { answer.contains(ignoreCase ? $0.lowercased() : $0) }
        if negated {
            return found.isEmpty ? outcome(1, "None of the forbidden values occurs.")
                                 : outcome(0, "The answer contains \(found.map { "'\($0)'" }.joined(separator: ", ")).")
        }
        let ok = requireAll ? found.count == list.count : !found.isEmpty
        if ok { return outcome(1, "Found \(found.map { "'\($0)'" }.joined(separator: ", ")).") }
        let missing = list.filter { !found.contains($0) }
        return outcome(0, requireAll ? "Missing \(missing.map { "'\($0)'" }.joined(separator: ", "))."
                                     : "None of \(list.map { "'\($0)'" }.joined(separator: ", ")) occurs.")
    }
}

/// `regex`: the answer matches `pattern` (NSRegularExpression syntax) somewhere; with
/// `must_match: false` it passes when the pattern does not match.
public struct RegexScorer: Scorer {
    public var name: String
    public var weight: Double
    public var pattern: String
    public var mustMatch: Bool

    public init(name: String, weight: Double, pattern: String, mustMatch: Bool = true) throws(EvalError) {
        self.name = name
        self.weight = weight
        self.pattern = pattern
        self.mustMatch = mustMatch
        if (try? NSRegularExpression(pattern: pattern)) == nil {
            throw .badScorer(name: name, reason: "'\(pattern)' is not a valid regular expression.")
        }
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        let text = input.answer
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return outcome(0, "The pattern cannot be compiled.") }
        let matched = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        return matched == mustMatch ? outcome(1, matched ? "The pattern matches." : "The pattern does not match, as required.")
                                    : outcome(0, matched ? "The pattern matches but must not." : "The pattern does not match.")
    }
}

/// `numeric`: the first number in the answer is within `tolerance` of the expected number (option
/// `expected`, else the case's `fields.number`, else its `expected` read as a number); `relative: true`
/// makes the tolerance a fraction of the expected value.
public struct NumericScorer: Scorer {
    public var name: String
    public var weight: Double
    public var expected: Double?
    public var tolerance: Double
    public var relative: Bool

    public init(name: String, weight: Double, expected: Double? = nil, tolerance: Double = 0, relative: Bool = false) {
        self.name = name
        self.weight = weight
        self.expected = expected
        self.tolerance = tolerance
        self.relative = relative
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        guard let target = expected ?? input.evalCase.fields["number"]?.doubleValue
                ?? input.evalCase.expected.flatMap(Self.firstNumber(in:)) else {
            return outcome(0, "No expected number: set 'expected' on the scorer or 'fields.number' on the case.")
        }
        guard let got = Self.firstNumber(in: input.answer) else { return outcome(0, "The answer contains no number.") }
        let allowed = relative ? abs(target) * tolerance : tolerance
        let off = abs(got - target)
        return off <= allowed + 1e-12 ? outcome(1, "\(got) is within \(allowed) of \(target).")
                                      : outcome(0, "\(got) is \(off) away from \(target) (allowed \(allowed)).")
    }

    /// The first decimal number in `text` (sign, thousands separators and exponent allowed).
    public static func firstNumber(in text: String) -> Double? {
        let pattern = #"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range, in: text) else { return nil }
        return Double(text[range].replacingOccurrences(of: ",", with: ""))
    }
}

/// `length`: the answer's length lies within `min`…`max`, in `characters` or `tokens` (the server's
/// count of output tokens, else one per four UTF-8 bytes).
public struct LengthScorer: Scorer {
    public var name: String
    public var weight: Double
    public var min: Double?
    public var max: Double?
    public var inTokens: Bool

    public init(name: String, weight: Double, min: Double? = nil, max: Double? = nil, inTokens: Bool = false) {
        self.name = name
        self.weight = weight
        self.min = min
        self.max = max
        self.inTokens = inTokens
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        let length: Double = inTokens
            ? Double(input.sample.outputTokens ?? (input.answer.utf8.count + 3) / 4)
            : Double(input.answer.count)
        let unit = inTokens ? "tokens" : "characters"
        if let min, length < min { return outcome(0, "\(Int(length)) \(unit), fewer than \(Int(min)).") }
        if let max, length > max { return outcome(0, "\(Int(length)) \(unit), more than \(Int(max)).") }
        return outcome(1, "\(Int(length)) \(unit).")
    }
}

/// `refusal`: whether the answer is a refusal, per ``RefusalDetector``; `expect: answer` (default)
/// passes answers, `expect: refuse` passes refusals.
public struct RefusalScorer: Scorer {
    public var name: String
    public var weight: Double
    public var detector: RefusalDetector
    public var expectRefusal: Bool

    public init(name: String, weight: Double, detector: RefusalDetector = RefusalDetector(), expectRefusal: Bool = false) {
        self.name = name
        self.weight = weight
        self.detector = detector
        self.expectRefusal = expectRefusal
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        let phrase = detector.refusalPhrase(in: input.answer)
        let refused = phrase != nil
        let detail = refused ? "The answer refuses ('\(phrase!)')." : "The answer does not refuse."
        return outcome(refused == expectRefusal ? 1 : 0, detail)
    }
}
