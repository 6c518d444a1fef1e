public import Foundation
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

    /// Per-case observations in case order, paired by index (baseline[i] and candidate[i] are the
    /// same case): 1/0 overall pass (more than half of the repetitions passed). Feed them to the
    /// judge as a `paired_binary` metric.
    public var pairedPasses: (baseline: [Double], candidate: [Double]) {
        let rows = pairedRows
        return (rows.map { $0.basePass ? 1 : 0 }, rows.map { $0.candPass ? 1 : 0 })
    }

    /// Per-case mean scores, paired by index, for the judge's `paired_score` kind.
    public var pairedScores: (baseline: [Double], candidate: [Double]) {
        let rows = pairedRows
        return (rows.map(\.baseScore), rows.map(\.candScore))
    }

    private var pairedRows: [(basePass: Bool, candPass: Bool, baseScore: Double, candScore: Double)] {
        var order: [String] = []
        var groups: [String: (base: [CaseScore], cand: [CaseScore])] = [:]
        for s in scores where s.arm == .baseline || s.arm == .candidate {
            if groups[s.caseID] == nil { order.append(s.caseID); groups[s.caseID] = ([], []) }
            if s.arm == .baseline { groups[s.caseID]!.base.append(s) } else { groups[s.caseID]!.cand.append(s) }
        }
        return order.compactMap { id in
            guard let g = groups[id], !g.base.isEmpty, !g.cand.isEmpty else { return nil }
            func passed(_ v: [CaseScore]) -> Bool { Double(v.filter(\.passed).count) / Double(v.count) > 0.5 }
            func mean(_ v: [CaseScore]) -> Double { v.map(\.score).reduce(0, +) / Double(v.count) }
            return (passed(g.base), passed(g.cand), mean(g.base), mean(g.cand))
        }
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
