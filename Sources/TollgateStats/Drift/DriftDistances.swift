import Foundation

/// Distances between a baseline distribution and a current one, used by drift suites.
public enum DriftDistance {
    /// Proportion given to an empty bin before taking logarithms (PSI), a common industry choice.
    public static let emptyBinProportion = 1e-4

    /// The population stability index Σ (qᵢ − pᵢ) ln(qᵢ / pᵢ) of `current` (q) against `baseline` (p)
    /// over ``Binning/quantiles(of:bins:)`` of the baseline (deciles by default). Empty bins get
    /// proportion 1e-4 (``emptyBinProportion``) so the logarithm stays finite; proportions are not
    /// renormalised afterwards. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
    public static func psi(baseline: [Double], current: [Double], bins: Int = 10) throws -> TestResult {
        try Validate.sample(baseline, name: "The baseline sample")
        try Validate.sample(current, name: "The current sample")
        guard bins >= 2 else { throw StatsError.invalidParameter("PSI needs at least 2 bins, got \(bins).") }
        let binning = Binning.quantiles(of: baseline, bins: bins)
        let p = proportions(binning.counts(baseline))
        let q = proportions(binning.counts(current))
        return TestResult(method: "psi", statistic: psi(expected: p, actual: q),
                          details: ["bins": Double(binning.binCount)])
    }

    /// PSI of two proportion vectors over the same bins (empty bins get ``emptyBinProportion``).
    public static func psi(expected p: [Double], actual q: [Double]) -> Double {
        var total = 0.0
        for (pi, qi) in zip(p, q) {
            let a = max(pi, emptyBinProportion), b = max(qi, emptyBinProportion)
            total += (b - a) * log(b / a)
        }
        return total
    }

    /// The Jensen–Shannon distance (square root of the divergence, natural logarithm) between two
    /// non-negative weight vectors, each normalised to sum 1, as `scipy.spatial.distance.jensenshannon`.
    public static func jensenShannon(_ p: [Double], _ q: [Double]) throws -> Double {
        guard p.count == q.count, !p.isEmpty else { throw StatsError.lengthMismatch(first: p.count, second: q.count) }
        try Validate.finite(p, name: "The first distribution")
        try Validate.finite(q, name: "The second distribution")
        guard !p.contains(where: { $0 < 0 }), !q.contains(where: { $0 < 0 }) else {
            throw StatsError.invalidParameter("Jensen–Shannon needs non-negative weights.")
        }
        let sp = p.reduce(0, +), sq = q.reduce(0, +)
        guard sp > 0, sq > 0 else { throw StatsError.degenerate("A distribution has zero total weight.") }
        var divergence = 0.0
        for (a0, b0) in zip(p, q) {
            let a = a0 / sp, b = b0 / sq, m = (a + b) / 2
            if a > 0 { divergence += a * log(a / m) }
            if b > 0 { divergence += b * log(b / m) }
        }
        return (max(divergence, 0) / 2).squareRoot()
    }

    /// Jensen–Shannon distance between two samples over the baseline's quantile bins.
    public static func jensenShannon(baseline: [Double], current: [Double], bins: Int = 10) throws -> TestResult {
        try Validate.sample(baseline, name: "The baseline sample")
        try Validate.sample(current, name: "The current sample")
        let binning = Binning.quantiles(of: baseline, bins: bins)
        let distance = try jensenShannon(binning.counts(baseline).map(Double.init), binning.counts(current).map(Double.init))
        return TestResult(method: "jensen-shannon", statistic: distance, details: ["bins": Double(binning.binCount)])
    }

    /// The first Wasserstein distance ∫|F − G| between the empirical distributions, as
    /// `scipy.stats.wasserstein_distance`.
    public static func wasserstein(_ u: [Double], _ v: [Double]) throws -> TestResult {
        try Validate.sample(u, name: "The first sample")
        try Validate.sample(v, name: "The second sample")
        let a = u.sorted(), b = v.sorted()
        let all = (a + b).sorted()
        var i = 0, j = 0
        var total = 0.0
        for k in 0..<(all.count - 1) {
            let x = all[k]
            while i < a.count && a[i] <= x { i += 1 }
            while j < b.count && b[j] <= x { j += 1 }
            let width = all[k + 1] - x
            if width > 0 { total += abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)) * width }
        }
        return TestResult(method: "wasserstein", statistic: total)
    }

    private static func proportions(_ counts: [Int]) -> [Double] {
        let total = Double(counts.reduce(0, +))
        return counts.map { Double($0) / total }
    }
}
