import Foundation
import TollgateCore

/// Everything one eval run produced: the quality comparison with its verdict, the compatibility
/// checks, and every case's scores. Encodes to the JSON `tollgate eval run --json` prints.
public struct EvalComparison: Sendable, Codable {
    public var suite: String
    /// The stored run's id, when a store was given.
    public var runID: String?
    public var baseline: String
    public var candidate: String
    public var repetitions: Int
    public var startedAt: Date
    public var finishedAt: Date
    public var quality: QualityComparison
    public var compatibility: CompatibilityReport
    public var scores: [CaseScore]

    /// The quality metric as the rollout judge consumes it (metric `quality`, worse: lower).
    public var qualityMetric: QualityMetric {
        QualityMetric(baseline: quality.baselinePassRate, candidate: quality.candidatePassRate,
                      difference: quality.difference, low: quality.differenceLow, high: quality.differenceHigh,
                      confidence: quality.confidence, margin: quality.margin, decision: quality.decision,
                      reasons: quality.reasons)
    }

    /// Pass when quality passes and no compatibility check failed; fail when quality fails.
    public var overall: QualityDecision {
        if quality.decision == .fail { return .fail }
        if !compatibility.compatible { return .fail }
        return quality.decision
    }
}

/// The `quality` metric for the rollout judge: pass rates, the paired difference with its interval,
/// the non-inferiority margin and the decision.
public struct QualityMetric: Sendable, Equatable, Codable {
    public var baseline: Double
    public var candidate: Double
    public var difference: Double
    public var low: Double
    public var high: Double
    public var confidence: Double
    public var margin: Double
    public var decision: QualityDecision
    public var reasons: [String]
}
