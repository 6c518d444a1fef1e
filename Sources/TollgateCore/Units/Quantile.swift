/// A summary of a latency distribution that objectives, rollback rules and criteria name:
/// `p50`, `p90`, `p95`, `p99` or `mean`.
public enum Quantile: String, Sendable, Codable, CaseIterable, Hashable {
    case p50, p90, p95, p99, mean

    /// The quantile's level (0.95 for `p95`); `nil` for the mean.
    public var level: Double? {
        switch self {
        case .p50: return 0.50
        case .p90: return 0.90
        case .p95: return 0.95
        case .p99: return 0.99
        case .mean: return nil
        }
    }
}
