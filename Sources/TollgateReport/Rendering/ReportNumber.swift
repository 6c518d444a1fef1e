public import Foundation

/// How reports write numbers and times: the same text in HTML, Markdown and the tests.
public enum ReportNumber {
    /// Integers as they are, other values with four significant digits (one decimal from 100 up), `–` for nothing.
    public static func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        if abs(value) >= 100 { return String(format: "%.1f", value) }
        return String(format: "%.4g", value)
    }

    /// A share as a percentage with one decimal (`12.5%`).
    public static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }

    /// A p-value: four significant digits, `<0.0001` below that.
    public static func pValue(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return value < 0.0001 ? "<0.0001" : String(format: "%.4g", value)
    }

    /// `[low, high]`.
    public static func interval(_ low: Double?, _ high: Double?) -> String {
        guard low != nil || high != nil else { return "–" }
        return "[\(format(low)), \(format(high))]"
    }

    /// `2026-12-01 10:15:00Z`.
    public static func timestamp(_ date: Date?) -> String {
        guard let date else { return "–" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + "Z"
    }

    /// `1h 02m 03s`, `4m 05s`, `6.2s`.
    public static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        return h > 0 ? String(format: "%dh %02dm %02ds", h, m, s) : String(format: "%dm %02ds", m, s)
    }
}
