import Foundation

/// Seeded bootstrap confidence intervals for comparing a statistic of two independent samples
/// (candidate against baseline): the difference or the ratio of a quantile or of the mean.
///
/// Each replicate resamples both samples with replacement (sizes unchanged). Intervals:
/// `percentile`, or `bca` (bias-corrected and accelerated, Efron 1987) with the bias from the
/// share of replicates below the estimate and the acceleration from the two-sample jackknife,
/// following `scipy.stats.bootstrap(method='BCa')`. Quantiles are type 7 (numpy's `linear`).
public enum Bootstrap {
    /// The statistic compared between the samples.
    public enum Statistic: Sendable, Equatable, Codable {
        case mean
        case quantile(Double)

        public var name: String {
            switch self {
            case .mean: return "mean"
            case .quantile(let q): return "p" + String(format: "%g", q * 100)
            }
        }
    }

    /// How the two statistics are compared.
    public enum Comparison: String, Sendable, Codable, CaseIterable {
        /// candidate − baseline
        case difference
        /// candidate / baseline
        case ratio
    }

    /// The interval construction.
    public enum IntervalMethod: String, Sendable, Codable, CaseIterable {
        case percentile
        case bca
    }

    /// The interval for `statistic(candidate) ∘ statistic(baseline)`; same data and seed give the same interval.
    public static func interval(baseline: [Double], candidate: [Double], statistic: Statistic,
                                comparison: Comparison = .difference, confidence: Double = 0.95,
                                resamples: Int = 2000, seed: UInt64 = 1,
                                method: IntervalMethod = .bca) throws -> TestResult {
        try Validate.sample(baseline, name: "The baseline sample")
        try Validate.sample(candidate, name: "The candidate sample")
        try Validate.confidence(confidence)
        guard resamples >= 10 else {
            throw StatsError.invalidParameter("The bootstrap needs at least 10 resamples, got \(resamples).")
        }
        if case .quantile(let q) = statistic { try Validate.probability(q, name: "The quantile") }
        let b = baseline.sorted(), c = candidate.sorted()
        let sb = evaluate(statistic, sorted: b), sc = evaluate(statistic, sorted: c)
        let estimate = try combine(sc, sb, comparison)
        var generator = SeededGenerator(seed: seed)
        var replicates = [Double]()
        replicates.reserveCapacity(resamples)
        var countsB = [Int](repeating: 0, count: b.count), countsC = [Int](repeating: 0, count: c.count)
        for _ in 0..<resamples {
            let rb = resampledStatistic(statistic, sorted: b, counts: &countsB, generator: &generator)
            let rc = resampledStatistic(statistic, sorted: c, counts: &countsC, generator: &generator)
            let value = comparison == .difference ? rc - rb : (rb == 0 ? .nan : rc / rb)
            if value.isFinite { replicates.append(value) }
        }
        guard replicates.count >= resamples / 2 else {
            throw StatsError.degenerate("Most bootstrap replicates of the baseline \(statistic.name) were zero, so the ratio is undefined; use the difference instead.")
        }
        replicates.sort()
        let alpha = (1 - confidence) / 2
        var lowLevel = alpha, highLevel = 1 - alpha
        var details: [String: Double] = ["resamples": Double(resamples), "seed": Double(seed),
                                         "baseline_statistic": sb, "candidate_statistic": sc]
        if method == .bca {
            let below = replicates.reduce(0.0) { $0 + ($1 < estimate ? 1 : 0) }
            let belowOrEqual = replicates.reduce(0.0) { $0 + ($1 <= estimate ? 1 : 0) }
            let share = (below + belowOrEqual) / (2 * Double(replicates.count))
            let z0 = NormalDistribution.quantile(share)
            let a = acceleration(statistic, comparison, baseline: b, candidate: c)
            if z0.isFinite && a.isFinite {
                let zl = NormalDistribution.quantile(alpha), zh = -zl
                lowLevel = NormalDistribution.cdf(z0 + (z0 + zl) / (1 - a * (z0 + zl)))
                highLevel = NormalDistribution.cdf(z0 + (z0 + zh) / (1 - a * (z0 + zh)))
                details["bias_z0"] = z0
                details["acceleration"] = a
            } else {
                details["bca_fell_back_to_percentile"] = 1
            }
        }
        let low = Descriptive.quantileSorted(replicates, lowLevel)
        let high = Descriptive.quantileSorted(replicates, highLevel)
        return TestResult(method: "bootstrap-\(method.rawValue)-\(comparison.rawValue)-\(statistic.name)",
                          statistic: estimate, estimate: estimate, ciLow: low, ciHigh: high,
                          confidence: confidence, details: details)
    }

    static func evaluate(_ statistic: Statistic, sorted: [Double]) -> Double {
        switch statistic {
        case .mean: return Descriptive.mean(sorted)
        case .quantile(let q): return Descriptive.quantileSorted(sorted, q)
        }
    }

    private static func combine(_ candidate: Double, _ baseline: Double, _ comparison: Comparison) throws -> Double {
        switch comparison {
        case .difference: return candidate - baseline
        case .ratio:
            guard baseline != 0 else {
                throw StatsError.degenerate("The baseline statistic is zero, so the ratio is undefined; use the difference instead.")
            }
            return candidate / baseline
        }
    }

    /// One resample's statistic without sorting: draw indices into the sorted sample, count them,
    /// and walk the counts to the order statistics the quantile needs.
    private static func resampledStatistic(_ statistic: Statistic, sorted: [Double], counts: inout [Int],
                                           generator: inout SeededGenerator) -> Double {
        let n = sorted.count
        switch statistic {
        case .mean:
            var sum = 0.0
            for _ in 0..<n { sum += sorted[generator.nextIndex(n)] }
            return sum / Double(n)
        case .quantile(let q):
            for i in 0..<n { counts[i] = 0 }
            for _ in 0..<n { counts[generator.nextIndex(n)] += 1 }
            let h = Double(n - 1) * q
            let lo = Int(h.rounded(.down))
            let hi = min(lo + 1, n - 1)
            var seen = 0
            var loValue = sorted[n - 1], hiValue = sorted[n - 1]
            var foundLo = false
            for i in 0..<n where counts[i] > 0 {
                seen += counts[i]
                if !foundLo && seen > lo { loValue = sorted[i]; foundLo = true }
                if seen > hi { hiValue = sorted[i]; break }
            }
            return loValue + (h - Double(lo)) * (hiValue - loValue)
        }
    }

    /// The BCa acceleration from leave-one-out estimates of each sample (scipy's two-sample form).
    private static func acceleration(_ statistic: Statistic, _ comparison: Comparison,
                                     baseline: [Double], candidate: [Double]) -> Double {
        let sb = evaluate(statistic, sorted: baseline), sc = evaluate(statistic, sorted: candidate)
        var numerator = 0.0, denominator = 0.0
        for (sample, isCandidate) in [(baseline, false), (candidate, true)] {
            let loo = leaveOneOut(statistic, sorted: sample)
            let thetas = loo.map { value -> Double in
                let b = isCandidate ? sb : value, c = isCandidate ? value : sc
                return comparison == .difference ? c - b : c / b
            }
            let n = Double(thetas.count)
            let mean = thetas.reduce(0, +) / n
            var cube = 0.0, square = 0.0
            for t in thetas {
                let u = (n - 1) * (mean - t)
                cube += u * u * u
                square += u * u
            }
            numerator += cube / (n * n * n)
            denominator += square / (n * n)
        }
        if denominator == 0 { return 0 }
        return numerator / 6 / pow(denominator, 1.5)
    }

    /// Leave-one-out values of the statistic, O(n) from the sorted sample.
    private static func leaveOneOut(_ statistic: Statistic, sorted: [Double]) -> [Double] {
        let n = sorted.count
        if n < 2 { return [evaluate(statistic, sorted: sorted)] }
        switch statistic {
        case .mean:
            let sum = sorted.reduce(0, +)
            return sorted.map { (sum - $0) / Double(n - 1) }
        case .quantile(let q):
            let h = Double(n - 2) * q
            let lo = Int(h.rounded(.down)), hi = min(lo + 1, n - 2)
            return (0..<n).map { removed in
                let a = sorted[lo < removed ? lo : lo + 1]
                let b = sorted[hi < removed ? hi : hi + 1]
                return a + (h - Double(lo)) * (b - a)
            }
        }
    }
}
