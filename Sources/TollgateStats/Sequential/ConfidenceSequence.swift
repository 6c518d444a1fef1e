import Foundation

/// Always-valid confidence sequences for a difference, for checks repeated during a canary stage.
///
/// The boundary is Robbins' normal mixture (the mixture SPRT of Johari, Koomen, Pekelis & Walsh,
/// "Always Valid Inference", 2017): with estimate Δ̂ of variance V and a N(0, τ²) mixing
/// distribution over the effect, the set {δ : (Δ̂ − δ)² < 2V(V + τ²)/τ² · (ln(1/α) + ½ ln((V + τ²)/V))}
/// covers the true difference at every look simultaneously with probability ≥ 1 − α (exactly for
/// Gaussian estimates with known variance; with the plug-in variances used here, asymptotically).
/// So a canary can be checked after every batch without inflating false rollbacks.
public enum ConfidenceSequence {
    /// The half-width of the normal-mixture boundary for an estimate of variance `variance`.
    public static func halfWidth(variance v: Double, mixingSD tau: Double, confidence: Double) -> Double {
        let t2 = tau * tau
        let alpha = 1 - confidence
        return (2 * v * (v + t2) / t2 * (log(1 / alpha) + 0.5 * log((v + t2) / v))).squareRoot()
    }

    /// The mixing scale τ whose boundary is narrowest when the estimate's variance is
    /// `varianceAtHorizon`: with r = τ²/V the half-width² is 2V·(1 + 1/r)·(ln(1/α) + ½ ln(1 + r)),
    /// minimised where r = 2 ln(1/α) + ln(1 + r) (solved by fixed-point iteration). Tuning τ to the
    /// horizon a stage plans spends the error where the looks are, not at ~10,000 samples.
    public static func mixingSD(varianceAtHorizon v: Double, confidence: Double) -> Double {
        let l = log(1 / (1 - confidence))
        var r = 2 * l + 1
        for _ in 0..<50 { r = 2 * l + log(1 + r) }
        return (r * max(v, 1e-18)).squareRoot()
    }

    /// Difference of means of log values (candidate − baseline), i.e. the log of the ratio of geometric
    /// means: the shape of a latency shift. `mixingSD` is τ on the log scale (0.1 ≈ a 10% shift).
    public static func logMeanDifference(baseline: [Double], candidate: [Double], confidence: Double = 0.95,
                                         mixingSD: Double = 0.1) throws -> TestResult {
        try Validate.sample(baseline, name: "The baseline sample", atLeast: 2)
        try Validate.sample(candidate, name: "The candidate sample", atLeast: 2)
        try Validate.confidence(confidence)
        guard !baseline.contains(where: { $0 <= 0 }), !candidate.contains(where: { $0 <= 0 }) else {
            throw StatsError.invalidParameter("Log-scale comparison needs positive values (latencies); found zero or negative values.")
        }
        return try meanDifference(baseline: baseline.map { log($0) }, candidate: candidate.map { log($0) },
                                  confidence: confidence, mixingSD: mixingSD, method: "confidence-sequence-log-mean")
    }

    /// Difference of means (candidate − baseline) with the plug-in variance s²_b/n_b + s²_c/n_c.
    public static func meanDifference(baseline: [Double], candidate: [Double], confidence: Double = 0.95,
                                      mixingSD: Double, method: String = "confidence-sequence-mean") throws -> TestResult {
        try Validate.sample(baseline, name: "The baseline sample", atLeast: 2)
        try Validate.sample(candidate, name: "The candidate sample", atLeast: 2)
        let nb = Double(baseline.count), nc = Double(candidate.count)
        let estimate = Descriptive.mean(candidate) - Descriptive.mean(baseline)
        let variance = Descriptive.variance(baseline) / nb + Descriptive.variance(candidate) / nc
        return interval(estimate: estimate, variance: variance, confidence: confidence, mixingSD: mixingSD,
                        method: method, details: ["n_baseline": nb, "n_candidate": nc])
    }

    /// Difference of two proportions (candidate − baseline) with the unpooled Bernoulli variance; a
    /// variance of zero (no events anywhere) is raised to that of one event in each arm, so the
    /// interval never collapses to a point.
    public static func proportionDifference(baselineEvents xb: Int, baselineTrials nb: Int,
                                            candidateEvents xc: Int, candidateTrials nc: Int,
                                            confidence: Double = 0.95, mixingSD: Double = 0.01) throws -> TestResult {
        guard nb > 0, nc > 0 else { throw StatsError.notEnoughData(name: "Each arm", needed: 1, got: min(nb, nc)) }
        guard xb >= 0, xc >= 0, xb <= nb, xc <= nc else {
            throw StatsError.invalidParameter("Event counts must lie between 0 and their number of trials.")
        }
        try Validate.confidence(confidence)
        let pb = Double(xb) / Double(nb), pc = Double(xc) / Double(nc)
        let floorB = max(pb, 1 / Double(nb + 1)), floorC = max(pc, 1 / Double(nc + 1))
        let variance = min(floorB, 1 - floorB) * max(floorB, 1 - floorB) / Double(nb)
            + min(floorC, 1 - floorC) * max(floorC, 1 - floorC) / Double(nc)
        return interval(estimate: pc - pb, variance: variance, confidence: confidence, mixingSD: mixingSD,
                        method: "confidence-sequence-proportion",
                        details: ["n_baseline": Double(nb), "n_candidate": Double(nc), "p_baseline": pb, "p_candidate": pc])
    }

    static func interval(estimate: Double, variance: Double, confidence: Double, mixingSD: Double,
                         method: String, details: [String: Double]) -> TestResult {
        var details = details
        details["variance"] = variance
        details["mixing_sd"] = mixingSD
        if variance <= 0 {
            // Constant samples: the difference is known exactly.
            return TestResult(method: method, statistic: estimate, estimate: estimate, ciLow: estimate, ciHigh: estimate,
                              confidence: confidence, details: details)
        }
        let h = halfWidth(variance: variance, mixingSD: mixingSD, confidence: confidence)
        // The mixture likelihood ratio against "no difference"; always-valid p-value = min(1, 1/Λ).
        let t2 = mixingSD * mixingSD
        let logLambda = 0.5 * log(variance / (variance + t2)) + t2 * estimate * estimate / (2 * variance * (variance + t2))
        let p = min(1, exp(-logLambda))
        return TestResult(method: method, statistic: estimate, pValue: p, estimate: estimate,
                          ciLow: estimate - h, ciHigh: estimate + h, confidence: confidence, details: details)
    }
}
