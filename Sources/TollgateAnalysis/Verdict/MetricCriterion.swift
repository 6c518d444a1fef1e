public import TollgateCore

/// Which direction of change is bad for a metric.
public enum Worse: String, Codable, Sendable, CaseIterable {
    /// Larger is worse (latency, error rate).
    case higher
    /// Smaller is worse (quality score, throughput).
    case lower
}

/// What kind of quantity a metric is, which decides the interval the tollgate judge uses.
public enum MetricKind: String, Codable, Sendable, CaseIterable {
    /// A typical value (latency, tokens): Hodges–Lehmann shift with its rank interval.
    case location
    /// Tail quantiles: seeded bootstrap (BCa) interval of the difference of quantiles.
    case p50, p90, p95, p99
    /// A rate: each sample is 0 or 1 (non-zero counts as an event); Newcombe interval of the difference.
    case rate
    /// Paired eval scores (baseline[i] and candidate[i] scored the same case): paired t interval of
    /// the mean difference, Wilcoxon signed-rank p-value.
    case pairedScore = "paired_score"
    /// Paired pass/fail outcomes (1 = pass): paired interval of the difference in pass rates, McNemar p-value.
    case pairedBinary = "paired_binary"

    /// The quantile level of p50…p99 kinds.
    public var quantile: Double? {
        switch self {
        case .p50: return 0.5
        case .p90: return 0.9
        case .p95: return 0.95
        case .p99: return 0.99
        default: return nil
        }
    }

    public var isPaired: Bool { self == .pairedScore || self == .pairedBinary }
}

/// The criterion a judge applies to one metric: the lead maps a pipeline's `analysis.metrics` onto it.
public struct MetricCriterion: Codable, Sendable, Equatable {
    public var name: String
    public var kind: MetricKind
    public var worse: Worse
    public var tolerance: Tolerance
    /// A critical metric that fails rolls back regardless of the score.
    public var critical: Bool
    /// Relative weight in the score (any positive number; weights are normalised).
    public var weight: Double

    public init(name: String, kind: MetricKind = .location, worse: Worse = .higher,
                tolerance: Tolerance = .relative(0.10), critical: Bool = false, weight: Double = 1) {
        self.name = name
        self.kind = kind
        self.worse = worse
        self.tolerance = tolerance
        self.critical = critical
        self.weight = weight
    }
}

/// The observations of one metric for both arms. For paired kinds, `baseline[i]` and `candidate[i]`
/// belong to the same case.
public struct MetricSamples: Codable, Sendable, Equatable {
    public var baseline: [Double]
    public var candidate: [Double]

    public init(baseline: [Double], candidate: [Double]) {
        self.baseline = baseline
        self.candidate = candidate
    }
}

/// Settings shared by the tollgate and sequential judges.
public struct JudgeSettings: Codable, Sendable, Equatable {
    /// Confidence level of every interval (and of the confidence sequences).
    public var confidence: Double
    /// Score at or above which the decision is `promote` (0–100).
    public var passThreshold: Double
    /// Score at or above which the decision is `hold`; below it, `rollback` when a metric failed.
    public var marginalThreshold: Double
    /// Seed of the bootstrap: the same data and seed give the same verdict.
    public var seed: UInt64
    public var bootstrapResamples: Int

    public init(confidence: Double = 0.95, passThreshold: Double = 95, marginalThreshold: Double = 75,
                seed: UInt64 = 1, bootstrapResamples: Int = 2000) {
        self.confidence = confidence
        self.passThreshold = passThreshold
        self.marginalThreshold = marginalThreshold
        self.seed = seed
        self.bootstrapResamples = bootstrapResamples
    }

    func validate() throws {
        guard confidence > 0, confidence < 1 else {
            throw AnalysisError.invalidSetting("The confidence level must lie strictly between 0 and 1, got \(confidence).")
        }
        guard marginalThreshold <= passThreshold, marginalThreshold >= 0, passThreshold <= 100 else {
            throw AnalysisError.invalidSetting("Thresholds must satisfy 0 ≤ marginal ≤ pass ≤ 100, got marginal \(marginalThreshold) and pass \(passThreshold).")
        }
        guard bootstrapResamples >= 100 else {
            throw AnalysisError.invalidSetting("Use at least 100 bootstrap resamples, got \(bootstrapResamples).")
        }
    }
}
