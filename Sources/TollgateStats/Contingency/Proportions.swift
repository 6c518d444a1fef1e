import Foundation

/// The difference of two independent proportions (candidate − baseline) with Newcombe's hybrid
/// score interval (Newcombe 1998, method 10, built from two Wilson intervals) and the pooled
/// two-proportion z-test for its p-value.
public enum ProportionDifference {
    /// `x1` events in `n1` trials (the first group) against `x2` in `n2`; estimate p₁ − p₂.
    public static func test(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int, alternative: Alternative = .twoSided,
                            confidence: Double = 0.95) throws -> TestResult {
        try Validate.confidence(confidence)
        guard n1 > 0, n2 > 0 else {
            throw StatsError.notEnoughData(name: "Each group", needed: 1, got: min(n1, n2))
        }
        guard x1 >= 0, x2 >= 0, x1 <= n1, x2 <= n2 else {
            throw StatsError.invalidParameter("Event counts must lie between 0 and their number of trials, got \(x1)/\(n1) and \(x2)/\(n2).")
        }
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2)
        let delta = p1 - p2
        let z: Double = alternative == .twoSided ? NormalDistribution.quantile(1 - (1 - confidence) / 2)
                                                 : NormalDistribution.quantile(confidence)
        let (l1, u1) = wilson(x1, n1, z: z)
        let (l2, u2) = wilson(x2, n2, z: z)
        let low = delta - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot()
        let high = delta + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot()
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        var statistic = 0.0
        var p = 1.0
        if se > 0 {
            statistic = delta / se
            switch alternative {
            case .twoSided: p = min(1, 2 * NormalDistribution.sf(abs(statistic)))
            case .greater: p = NormalDistribution.sf(statistic)
            case .less: p = NormalDistribution.cdf(statistic)
            }
        }
        return TestResult(method: "newcombe-wilson", statistic: statistic, pValue: p, alternative: alternative,
                          estimate: delta,
                          ciLow: alternative == .less ? nil : low,
                          ciHigh: alternative == .greater ? nil : high,
                          confidence: confidence, details: ["p1": p1, "p2": p2])
    }

    /// The Wilson score interval for x events in n trials at normal quantile z.
    public static func wilson(_ x: Int, _ n: Int, z: Double) -> (low: Double, high: Double) {
        let nd = Double(n), p = Double(x) / nd
        let z2 = z * z
        let denominator = 1 + z2 / nd
        let center = (p + z2 / (2 * nd)) / denominator
        let half = z / denominator * (p * (1 - p) / nd + z2 / (4 * nd * nd)).squareRoot()
        return (max(0, center - half), min(1, center + half))
    }
}
