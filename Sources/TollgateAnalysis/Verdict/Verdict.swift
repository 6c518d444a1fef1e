public import TollgateCore

/// The classification of one metric.
public enum MetricOutcome: String, Codable, Sendable, CaseIterable {
    /// The interval lies entirely inside the tolerance.
    case pass
    /// The interval lies entirely beyond the tolerance on the bad side.
    case fail
    /// The interval straddles the tolerance boundary: more samples are needed.
    case inconclusive
    /// One arm (or both) has no samples: never counted as a pass.
    case nodata
}

/// The judgement of one metric with everything needed to explain it.
public struct MetricVerdict: Codable, Sendable, Equatable {
    public var metric: String
    public var outcome: MetricOutcome
    public var critical: Bool
    public var weight: Double
    /// The statistical method behind the interval (e.g. `hodges-lehmann-exact`, `bootstrap-bca-difference-p95`).
    public var method: String
    public var baselineCount: Int
    public var candidateCount: Int
    /// The baseline's and candidate's value of the compared statistic (median, p95, rate, mean score).
    public var baselineValue: Double?
    public var candidateValue: Double?
    /// The estimated difference candidate − baseline in the metric's unit (log ratio for the sequential judge's latencies).
    public var estimate: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    public var confidence: Double
    /// The tolerance as written (`10%`, `0.5pp`, `25`).
    public var tolerance: String
    /// The tolerance in the same unit as `estimate` (the allowed worsening).
    public var allowance: Double?
    public var pValue: Double?
    /// For an inconclusive metric: further samples per arm needed to decide at the observed spread
    /// (nil when the estimate sits exactly on the boundary and no sample size would decide).
    public var samplesNeeded: Int?
    /// A Kayenta classification (`Pass`, `High`, `Low`, `Nodata`, `NodataFailMetric`) when the Kayenta judge produced this verdict.
    public var kayentaClassification: String?
    /// The group-sequential numbers of the look (look k of K, information fraction, z, boundaries,
    /// spent α and β) when the sequential judge produced this verdict.
    public var sequential: SequentialLook?
    /// The sentence that led to the outcome.
    public var explanation: String

    public init(metric: String, outcome: MetricOutcome, critical: Bool, weight: Double, method: String,
                baselineCount: Int, candidateCount: Int, baselineValue: Double? = nil, candidateValue: Double? = nil,
                estimate: Double? = nil, ciLow: Double? = nil, ciHigh: Double? = nil, confidence: Double,
                tolerance: String, allowance: Double? = nil, pValue: Double? = nil, samplesNeeded: Int? = nil,
                kayentaClassification: String? = nil, explanation: String) {
        self.metric = metric
        self.outcome = outcome
        self.critical = critical
        self.weight = weight
        self.method = method
        self.baselineCount = baselineCount
        self.candidateCount = candidateCount
        self.baselineValue = baselineValue
        self.candidateValue = candidateValue
        self.estimate = estimate
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.confidence = confidence
        self.tolerance = tolerance
        self.allowance = allowance
        self.pValue = pValue
        self.samplesNeeded = samplesNeeded
        self.kayentaClassification = kayentaClassification
        self.explanation = explanation
    }

    enum CodingKeys: String, CodingKey {
        case metric, outcome, critical, weight, method, estimate, confidence, tolerance, allowance, explanation, sequential
        case baselineCount = "baseline_count"
        case candidateCount = "candidate_count"
        case baselineValue = "baseline_value"
        case candidateValue = "candidate_value"
        case ciLow = "ci_low"
        case ciHigh = "ci_high"
        case pValue = "p_value"
        case samplesNeeded = "samples_needed"
        case kayentaClassification = "kayenta_classification"
    }
}

/// A judge's decision over all metrics of a comparison: stored as JSON with the run.
public struct Verdict: Codable, Sendable, Equatable {
    /// Which judge produced it: `tollgate`, `sequential`, `always-valid` or `kayenta`.
    public var judge: String
    public var decision: Decision
    /// The weighted score, 0–100.
    public var score: Double
    public var passThreshold: Double
    public var marginalThreshold: Double
    public var metrics: [MetricVerdict]
    /// One sentence summarising why the decision was taken.
    public var explanation: String
    /// The seed used for resampling, so the verdict can be reproduced.
    public var seed: UInt64

    public init(judge: String, decision: Decision, score: Double, passThreshold: Double, marginalThreshold: Double,
                metrics: [MetricVerdict], explanation: String, seed: UInt64) {
        self.judge = judge
        self.decision = decision
        self.score = score
        self.passThreshold = passThreshold
        self.marginalThreshold = marginalThreshold
        self.metrics = metrics
        self.explanation = explanation
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case judge, decision, score, metrics, explanation, seed
        case passThreshold = "pass_threshold"
        case marginalThreshold = "marginal_threshold"
    }
}
