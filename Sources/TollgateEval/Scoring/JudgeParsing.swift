import Foundation
import TollgateTraffic

/// Reads a judge model's verdict out of free text. Judges are told to end with `Score: N` (or
/// `Winner: A|B|tie`), but chatty ones wrap it in prose, markdown, JSON or restate the scale, so
/// the readers look, in order of trust, for: a JSON object with `score`/`winner`; the last
/// explicit label (`score: 7`, `rating = 7/10`, `**Score:** 7`, `[[A]]`, `winner: B`); then a
/// lone in-range number or `N/scale` as the final line. Numbers that restate the scale
/// ("on a scale of 1 to 10") are ignored.
public enum JudgeParsing {
    /// The score in 1…scale, or `nil` when no unambiguous score is found.
    public static func score(in text: String, scale: Double) -> Double? {
        func inRange(_ v: Double) -> Double? { v >= 0 && v <= scale ? v : nil }
        if let json = jsonObject(in: text), let v = (json["score"] ?? json["rating"] ?? json["grade"])?.doubleValue ?? (json["score"]?.stringValue).flatMap(Double.init) {
            return inRange(v)
        }
        let cleaned = text.replacingOccurrences(of: "*", with: "").replacingOccurrences(of: "#", with: "")
        let scaleMention = #"(?:scale|range)\s+(?:of\s+|from\s+)?\d+(?:\.\d+)?\s*(?:-|–|to)\s*\d+(?:\.\d+)?"#
        let withoutScale = replace(scaleMention, in: cleaned, with: " ")
        let labelled = #"(?i)\b(?:score|rating|grade|final score|overall)\b\s*(?:is|of|=|:)?\s*:?\s*([0-9]+(?:\.[0-9]+)?)(?:\s*(?:/|out of)\s*([0-9]+(?:\.[0-9]+)?))?"#
        if let last = matches(labelled, in: withoutScale).last, let v = last[1].flatMap(Double.init) {
            if let denominator = last[2].flatMap(Double.init), denominator > 0, denominator != scale {
                return inRange(v / denominator * scale)
            }
            return inRange(v)
        }
        let fraction = #"([0-9]+(?:\.[0-9]+)?)\s*(?:/|out of)\s*([0-9]+(?:\.[0-9]+)?)"#
        if let last = matches(fraction, in: withoutScale).last, let v = last[1].flatMap(Double.init), let d = last[2].flatMap(Double.init), d > 0 {
            return inRange(d == scale ? v : v / d * scale)
        }
        let lines = withoutScale.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let lastLine = lines.last {
            let bare = lastLine.trimmingCharacters(in: CharacterSet(charactersIn: ".!:[]() "))
            if let v = Double(bare) { return inRange(v) }
        }
        return nil
    }

    /// A pairwise verdict: which of the two shown answers the judge prefers.
    public enum Preference: String, Sendable, Codable, Equatable {
        case first, second, tie
    }

    /// The judge's preference between answer A (first shown) and B, or `nil` when unclear.
    public static func preference(in text: String) -> Preference? {
        if let json = jsonObject(in: text), let w = (json["winner"] ?? json["better"] ?? json["verdict"])?.stringValue {
            return preference(label: w)
        }
        let cleaned = text.replacingOccurrences(of: "*", with: "")
        let bracketed = #"\[\[\s*(A|B|C|tie|TIE|Tie)\s*\]\]"#
        if let last = matches(bracketed, in: cleaned).last, let p = last[1].flatMap(preference(label:)) { return p }
        let labelled = #"(?i)\b(?:winner|verdict|better answer|preferred|preference|final answer)\b\s*(?:is|=|:)?\s*:?\s*(?:answer\s+|response\s+)?\(?\b((?-i:A|B)|tie|neither|both|equal)\b"#
        if let last = matches(labelled, in: cleaned).last, let p = last[1].flatMap(preference(label:)) { return p }
        let sentence = #"(?i)\b(?:answer|response)\s+((?-i:A|B))\s+is\s+(?:better|preferable|stronger|more helpful)"#
        if let last = matches(sentence, in: cleaned).last, let p = last[1].flatMap(preference(label:)) { return p }
        let lines = cleaned.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let lastLine = lines.last {
            let bare = lastLine.trimmingCharacters(in: CharacterSet(charactersIn: ".!:[]() "))
            if let p = preference(label: bare), bare.count <= 7 { return p }
        }
        return nil
    }

    static func preference(label: String) -> Preference? {
        switch label.trimmingCharacters(in: .whitespaces).lowercased() {
        case "a", "answer a", "response a": return .first
        case "b", "answer b", "response b": return .second
        case "tie", "c", "neither", "both", "equal", "draw": return .tie
        default: return nil
        }
    }

    /// Combines the two orders of a pairwise comparison (the candidate shown first, then second):
    /// only a verdict that names the same answer both times counts; anything else (including a
    /// flip that follows the position) is a tie, flagged inconsistent.
    public static func combine(candidateFirst: Preference?, candidateSecond: Preference?) -> PairwiseVerdict {
        let fromFirst: PairwiseVerdict.Winner? = candidateFirst.map { $0 == .first ? .candidate : $0 == .second ? .baseline : .tie }
        let fromSecond: PairwiseVerdict.Winner? = candidateSecond.map { $0 == .second ? .candidate : $0 == .first ? .baseline : .tie }
        guard let a = fromFirst, let b = fromSecond else { return PairwiseVerdict(winner: .tie, consistent: false) }
        return a == b ? PairwiseVerdict(winner: a, consistent: true) : PairwiseVerdict(winner: .tie, consistent: false)
    }

    private static func jsonObject(in text: String) -> JSONValue? {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else { return nil }
        let value = JSONValue.parse(Data(text[open...close].utf8))
        return value?.objectValue != nil ? value : nil
    }

    private static func matches(_ pattern: String, in text: String) -> [[String?]] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (0..<m.numberOfRanges).map { i in Range(m.range(at: i), in: text).map { String(text[$0]) } }
        }
    }

    private static func replace(_ pattern: String, in text: String, with replacement: String) -> String {
        guard let regex = try? NSRegularExpression(pattern: "(?i)" + pattern) else { return text }
        return regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: replacement)
    }
}

/// The combined result of asking a judge twice with the answers' positions swapped.
public struct PairwiseVerdict: Sendable, Equatable, Codable {
    public enum Winner: String, Sendable, Codable { case candidate, baseline, tie }
    public var winner: Winner
    /// Whether both orders named the same winner.
    public var consistent: Bool
}
