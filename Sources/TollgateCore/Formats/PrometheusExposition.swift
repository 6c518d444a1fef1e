/// Writes the Prometheus text exposition format (version 0.0.4): `# HELP`/`# TYPE` lines, samples
/// with escaped label values, and histograms (cumulative `_bucket` series with `le`, `+Inf`,
/// `_sum`, `_count`). The one writer of `/metrics` texts: the gateway's and the simulator's.
///
/// ```swift
/// var text = PrometheusExposition()
/// text.family("requests_total", .counter, help: "Requests answered.")
/// text.sample("requests_total", labels: [("arm", "baseline")], 12)
/// text.histogram("latency_seconds", labels: [("arm", "baseline")], bounds: [0.1, 1], counts: [3, 1], sum: 0.9, count: 5)
/// print(text.text)
/// ```
public struct PrometheusExposition: Sendable {
    /// A metric family's type, as `# TYPE` names it.
    public enum MetricType: String, Sendable {
        case counter, gauge, histogram
    }

    /// How numbers (bucket bounds, sums, double values) are written.
    public enum NumberStyle: Sendable {
        /// Whole numbers without a fraction (`1`, `0.005`), as Go's client writes them.
        case plain
        /// Whole numbers with `.0` (`1.0`, `0.005`), as Python's `prometheus_client` (and so vLLM) writes them.
        case python
    }

    /// The exposition written so far.
    public private(set) var text = ""
    public let numberStyle: NumberStyle

    public init(numberStyle: NumberStyle = .plain) {
        self.numberStyle = numberStyle
    }

    /// Starts a metric family: its `# HELP` and `# TYPE` lines.
    public mutating func family(_ name: String, _ type: MetricType, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// One sample line with an integer value.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Int) {
        line(name, labels, String(value))
    }

    /// One sample line with a floating-point value.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Double) {
        line(name, labels, number(value))
    }

    /// One histogram series (the family line is written with ``family(_:_:help:)``): `counts[i]`
    /// is the number of observations in bucket `i` alone (at most `bounds[i]`, above the bound
    /// before); the cumulative `_bucket` lines, `+Inf`, `_sum` and `_count` are written from them.
    public mutating func histogram(_ name: String, labels: [(String, String)] = [], bounds: [Double], counts: [Int], sum: Double, count: Int) {
        var cumulative = 0
        for (bound, n) in zip(bounds, counts) {
            cumulative += n
            line(name + "_bucket", labels + [("le", number(bound))], String(cumulative))
        }
        line(name + "_bucket", labels + [("le", "+Inf")], String(count))
        line(name + "_sum", labels, number(sum))
        line(name + "_count", labels, String(count))
    }

    /// A label value in double quotes, with `\`, `"` and newlines escaped as the format requires.
    public static func quote(_ value: String) -> String {
        var out = "\""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    /// A number as this writer's ``numberStyle`` writes it.
    public func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        let whole = value == value.rounded() && abs(value) < 1e15
        switch numberStyle {
        case .plain: return whole ? String(Int(value)) : String(value)
        case .python: return whole ? String(Int(value)) + ".0" : String(value)
        }
    }

    private mutating func line(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, (label, labelValue)) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label + "=" + Self.quote(labelValue)
            }
            text += "}"
        }
        text += " " + value + "\n"
    }
}
