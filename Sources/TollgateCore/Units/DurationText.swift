import Foundation

/// Strict parsing and printing of durations written in Tollgate's files and flags:
/// `500ms`, `30s`, `15m`, `2h` (a non-negative number, integer or decimal, and one unit).
public enum DurationText {
    /// Parses `text` as a duration; `nil` when it is not one of the accepted forms.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, seconds) in units where trimmed.hasSuffix(suffix) {
            let number = String(trimmed.dropLast(suffix.count))
            // "ms" also ends in "s": make sure the number part is a number.
            guard let value = strictNumber(number), value >= 0 else { continue }
            return .milliseconds(Int64((value * seconds * 1000).rounded()))
        }
        return nil
    }

    /// Prints a duration the way a user would write it (`1500ms` → `1.5s`).
    public static func format(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        if ms < 1000 { return "\(trim(ms))ms" }
        if ms < 60_000 { return "\(trim(ms / 1000))s" }
        if ms < 3_600_000 { return "\(trim(ms / 60_000))m" }
        return "\(trim(ms / 3_600_000))h"
    }

    /// The duration in seconds as a `Double`.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func strictNumber(_ text: String) -> Double? {
        guard !text.isEmpty,
              text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              text.filter({ $0 == "." }).count <= 1,
              text.first != ".", text.last != "."
        else { return nil }
        return Double(text)
    }

    private static func trim(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }
}

/// How far the candidate may be worse than the baseline on a metric before it fails:
/// relative (`10%` of the baseline's value) or absolute (`0.5pp` percentage points for rates,
/// or a plain number in the metric's own unit).
public enum Tolerance: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// A fraction of the baseline's value: `10%` is `.relative(0.10)`.
    case relative(Double)
    /// Percentage points of a rate: `0.5pp` is `.percentagePoints(0.5)`, i.e. 0.005 as a proportion.
    case percentagePoints(Double)
    /// A plain number in the metric's unit (milliseconds for latencies).
    case absolute(Double)

    /// Parses `10%`, `0.5pp` or a plain number; `nil` otherwise.
    public static func parse(_ text: String) -> Tolerance? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("pp"), let v = DurationText.strictNumber(String(trimmed.dropLast(2))) {
            return .percentagePoints(v)
        }
        if trimmed.hasSuffix("%"), let v = DurationText.strictNumber(String(trimmed.dropLast())) {
            return .relative(v / 100)
        }
        if let v = DurationText.strictNumber(trimmed) { return .absolute(v) }
        return nil
    }

    /// The allowed worsening in the metric's unit, given the baseline's value of it.
    /// Percentage points turn into a proportion (`0.5pp` → 0.005).
    public func allowance(baseline: Double) -> Double {
        switch self {
        case .relative(let fraction): return abs(baseline) * fraction
        case .percentagePoints(let points): return points / 100
        case .absolute(let value): return value
        }
    }

    public var description: String {
        switch self {
        case .relative(let f): return "\(Self.number(f * 100))%"
        case .percentagePoints(let p): return "\(Self.number(p))pp"
        case .absolute(let v): return Self.number(v)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Tolerance.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a tolerance: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v)
    }
}
