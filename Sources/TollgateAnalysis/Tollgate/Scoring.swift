import TollgateCore

/// Weighted score and decision over metric verdicts; shared by the tollgate and sequential judges.
///
/// Score = 100 · Σ weight(pass) / Σ weight(pass, fail, inconclusive); metrics without data are
/// left out of the score. Decision, in order: a failed critical metric → `rollback`; no metric with
/// data → `hold`; score ≥ pass threshold → `promote`, unless a critical metric is inconclusive or has
/// no data, which holds; score ≥ marginal threshold → `hold`; below it → `rollback` when some metric
/// failed and `hold` when the shortfall comes only from inconclusive metrics (more data will decide).
enum Scoring {
    static func verdict(judge: String, metrics: [MetricVerdict], settings: JudgeSettings) -> Verdict {
        let scored = metrics.filter { $0.outcome != .nodata }
        let total = scored.reduce(0) { $0 + $1.weight }
        let passed = scored.filter { $0.outcome == .pass }.reduce(0) { $0 + $1.weight }
        let score = total > 0 ? 100 * passed / total : 0
        let criticalFail = metrics.filter { $0.critical && $0.outcome == .fail }
        let criticalOpen = metrics.filter { $0.critical && ($0.outcome == .inconclusive || $0.outcome == .nodata) }
        let anyFail = metrics.contains { $0.outcome == .fail }
        let decision: Decision
        let reason: String
        let scoreText = Classification.fmt(score)
        if let first = criticalFail.first {
            decision = .rollback
            reason = "Critical metric \(first.metric) failed, so the candidate is rolled back regardless of the score (\(scoreText))."
        } else if scored.isEmpty {
            decision = .hold
            reason = "No metric has data yet, so there is nothing to judge; hold and collect samples."
        } else if score >= settings.passThreshold {
            if let open = criticalOpen.first {
                decision = .hold
                reason = "The score \(scoreText) reaches the pass threshold \(Classification.fmt(settings.passThreshold)), but critical metric \(open.metric) is \(open.outcome.rawValue); hold until it is decided."
            } else {
                decision = .promote
                reason = "The score \(scoreText) reaches the pass threshold \(Classification.fmt(settings.passThreshold)) with no critical failure; promote."
            }
        } else if score >= settings.marginalThreshold {
            decision = .hold
            reason = "The score \(scoreText) is marginal (at least \(Classification.fmt(settings.marginalThreshold)), below \(Classification.fmt(settings.passThreshold))); hold."
        } else if anyFail {
            decision = .rollback
            reason = "The score \(scoreText) is below the marginal threshold \(Classification.fmt(settings.marginalThreshold)) and at least one metric failed; roll back."
        } else {
            decision = .hold
            reason = "The score \(scoreText) is below the marginal threshold \(Classification.fmt(settings.marginalThreshold)) only because metrics are inconclusive; hold and collect more samples."
        }
        return Verdict(judge: judge, decision: decision, score: score, passThreshold: settings.passThreshold,
                       marginalThreshold: settings.marginalThreshold, metrics: metrics, explanation: reason, seed: settings.seed)
    }

    static func checkCriteria(_ criteria: [MetricCriterion], data: [String: MetricSamples]) throws {
        var seen = Set<String>()
        for c in criteria {
            if !seen.insert(c.name).inserted { throw AnalysisError.duplicateMetric(c.name) }
            if data[c.name] == nil { throw AnalysisError.missingMetric(c.name) }
            guard c.weight >= 0, c.weight.isFinite else {
                throw AnalysisError.invalidSetting("Metric '\(c.name)' has weight \(c.weight); weights must be non-negative numbers.")
            }
        }
    }
}
