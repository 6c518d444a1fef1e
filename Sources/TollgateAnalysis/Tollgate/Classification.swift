import Foundation
import TollgateCore

/// Turns an interval and a criterion into pass / fail / inconclusive with its sentence; shared by
/// the tollgate and sequential judges.
enum Classification {
    static func classify(_ e: IntervalEstimate, criterion: MetricCriterion, allowance: Double, confidence: Double,
                         counts: (Int, Int), unitNote: String = "") -> MetricVerdict {
        let outcome: MetricOutcome
        let bad = criterion.worse == .higher ? "higher" : "lower"
        // Boundary in the difference's unit: worsening beyond it fails.
        let boundary = criterion.worse == .higher ? allowance : -allowance
        let failed = criterion.worse == .higher ? e.low > boundary : e.high < boundary
        let passed = criterion.worse == .higher ? e.high < boundary : e.low > boundary
        if failed { outcome = .fail } else if passed { outcome = .pass } else { outcome = .inconclusive }
        var needed: Int?
        if outcome == .inconclusive {
            needed = furtherSamples(e, boundary: boundary)
        }
        let percent = Int((confidence * 100).rounded())
        let interval = "[\(fmt(e.low)), \(fmt(e.high))]"
        let limit = "\(criterion.worse == .higher ? "+" : "-")\(fmt(allowance))\(unitNote)"
        let sentence: String
        switch outcome {
        case .fail:
            sentence = "\(criterion.name) fails: the \(percent)% interval \(interval) of candidate − baseline lies entirely beyond the tolerance \(criterion.tolerance) (\(limit)) on the bad side (\(bad) is worse)."
        case .pass:
            sentence = "\(criterion.name) passes: the \(percent)% interval \(interval) of candidate − baseline lies entirely within the tolerance \(criterion.tolerance) (\(limit))."
        default:
            let more = needed.map { "about \($0) more samples per arm at the observed spread" } ?? "more data, as the estimate sits on the boundary"
            sentence = "\(criterion.name) is inconclusive: the \(percent)% interval \(interval) of candidate − baseline straddles the tolerance \(criterion.tolerance) (\(limit)); deciding needs \(more)."
        }
        return MetricVerdict(metric: criterion.name, outcome: outcome, critical: criterion.critical, weight: criterion.weight,
                             method: e.method, baselineCount: counts.0, candidateCount: counts.1,
                             baselineValue: e.baselineValue, candidateValue: e.candidateValue, estimate: e.estimate,
                             ciLow: e.low, ciHigh: e.high, confidence: confidence, tolerance: criterion.tolerance.description,
                             allowance: allowance, pValue: e.pValue, samplesNeeded: needed, explanation: sentence)
    }

    /// Samples per arm still needed so that the interval, shrinking like n^(−exponent) around the same
    /// estimate, clears the boundary: n·(w / |boundary − estimate|)^(1/exponent) − n.
    static func furtherSamples(_ e: IntervalEstimate, boundary: Double) -> Int? {
        let gap = abs(boundary - e.estimate)
        // Use the half-width on the side facing the boundary.
        let width = boundary >= e.estimate ? e.high - e.estimate : e.estimate - e.low
        guard gap > 0, width > 0, e.perArm > 0 else { return nil }
        let total = Double(e.perArm) * pow(width / gap, 1 / e.widthExponent)
        guard total.isFinite, total < 1e12 else { return nil }
        return max(1, Int((total - Double(e.perArm)).rounded(.up)))
    }

    static func nodata(_ criterion: MetricCriterion, counts: (Int, Int), confidence: Double, needed: Int) -> MetricVerdict {
        let which: String
        switch (counts.0 < needed, counts.1 < needed) {
        case (true, true): which = "neither arm has"
        case (true, false): which = "the baseline has not"
        default: which = "the candidate has not"
        }
        return MetricVerdict(metric: criterion.name, outcome: .nodata, critical: criterion.critical, weight: criterion.weight,
                             method: "none", baselineCount: counts.0, candidateCount: counts.1, confidence: confidence,
                             tolerance: criterion.tolerance.description,
                             explanation: "\(criterion.name) has no data: \(which) the \(needed) observation\(needed == 1 ? "" : "s") needed, so it cannot pass.")
    }

    static func fmt(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.3g", v) }
        return String(format: "%.4g", v)
    }
}
