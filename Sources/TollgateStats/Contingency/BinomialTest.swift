import Foundation

/// The exact binomial test, as `scipy.stats.binomtest`, with the Clopper–Pearson interval.
/// The two-sided p-value sums the probabilities of outcomes no more likely than the observed one
/// (relative tolerance 1e-7, scipy's choice).
public enum BinomialTest {
    public static func test(successes k: Int, trials n: Int, probability p: Double = 0.5,
                            alternative: Alternative = .twoSided, confidence: Double = 0.95) throws -> TestResult {
        guard n >= 1 else { throw StatsError.notEnoughData(name: "The binomial test", needed: 1, got: n) }
        guard k >= 0, k <= n else {
            throw StatsError.invalidParameter("Successes must lie between 0 and the number of trials, got \(k) of \(n).")
        }
        try Validate.probability(p, name: "The hypothesized probability")
        try Validate.confidence(confidence)
        var pValue: Double
        switch alternative {
        case .less: pValue = BetaFunctions.binomialCDF(k, n: n, p: p)
        case .greater: pValue = BetaFunctions.binomialSF(atLeast: k, n: n, p: p)
        case .twoSided: pValue = twoSided(k, n, p)
        }
        pValue = min(max(pValue, 0), 1)
        let (low, high) = clopperPearson(k, n, confidence: confidence, alternative: alternative)
        return TestResult(method: "binomial-exact", statistic: Double(k) / Double(n), pValue: pValue,
                          alternative: alternative, estimate: Double(k) / Double(n), ciLow: low, ciHigh: high,
                          confidence: confidence, details: ["k": Double(k), "n": Double(n), "p0": p])
    }

    /// Whether the `quantile` (for example 0.95) of `values` is below `target` with confidence:
    /// the count of values at or above the target is tested against 1 − quantile, alternative `less`.
    /// A small p-value means the quantile is under the target.
    public static func quantileBelow(_ values: [Double], quantile: Double, target: Double,
                                     confidence: Double = 0.95) throws -> TestResult {
        try Validate.sample(values, name: "The sample")
        try Validate.probability(quantile, name: "The quantile")
        let above = values.reduce(0) { $0 + ($1 >= target ? 1 : 0) }
        var result = try test(successes: above, trials: values.count, probability: 1 - quantile,
                              alternative: .less, confidence: confidence)
        result.method = "binomial-quantile"
        result.details["target"] = target
        result.details["quantile"] = quantile
        return result
    }

    private static func twoSided(_ k: Int, _ n: Int, _ p: Double) -> Double {
        let d = BetaFunctions.binomialPMF(k, n: n, p: p)
        let rerr = 1 + 1e-7
        let mean = p * Double(n)
        if Double(k) == mean { return 1 }
        if Double(k) < mean {
            // Count outcomes above the mean at most as likely as k: pmf decreases above the mode.
            var lo = Int(mean.rounded(.up)), hi = n + 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if BetaFunctions.binomialPMF(mid, n: n, p: p) <= d * rerr { hi = mid } else { lo = mid + 1 }
            }
            return BetaFunctions.binomialCDF(k, n: n, p: p) + BetaFunctions.binomialSF(atLeast: lo, n: n, p: p)
        }
        var lo = -1, hi = Int(mean.rounded(.down))
        // Largest j ≤ floor(mean) with pmf(j) ≤ d·rerr (pmf increases towards the mode).
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if BetaFunctions.binomialPMF(mid, n: n, p: p) <= d * rerr { lo = mid } else { hi = mid - 1 }
        }
        let lower = lo >= 0 ? BetaFunctions.binomialCDF(lo, n: n, p: p) : 0
        return lower + BetaFunctions.binomialSF(atLeast: k, n: n, p: p)
    }

    /// The Clopper–Pearson interval, the beta quantiles found by bisection on I_x(a, b).
    static func clopperPearson(_ k: Int, _ n: Int, confidence: Double, alternative: Alternative) -> (Double, Double) {
        let alpha = 1 - confidence
        let tail = alternative == .twoSided ? alpha / 2 : alpha
        func betaQuantile(_ q: Double, _ a: Double, _ b: Double) -> Double {
            var lo = 0.0, hi = 1.0
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                if BetaFunctions.regularized(mid, a: a, b: b) < q { lo = mid } else { hi = mid }
                if hi - lo < 1e-16 { break }
            }
            return 0.5 * (lo + hi)
        }
        var low = 0.0, high = 1.0
        if alternative != .less && k > 0 { low = betaQuantile(tail, Double(k), Double(n - k + 1)) }
        if alternative != .greater && k < n { high = betaQuantile(1 - tail, Double(k + 1), Double(n - k)) }
        return (low, high)
    }
}
