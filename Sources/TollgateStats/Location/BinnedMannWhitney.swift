import Foundation

/// Counts of observations in the bins of a histogram (for example one arm's increase of a
/// Prometheus histogram over a window): `counts[i]` observations fell in bin `i`, bins ordered
/// from the smallest values to the largest. Two samples compared must share their bins.
public struct BinnedCounts: Sendable, Equatable, Codable {
    public var counts: [Int]

    public init(_ counts: [Int]) { self.counts = counts }

    /// The number of observations.
    public var total: Int { counts.reduce(0, +) }

    /// Non-cumulative counts from Prometheus-style cumulative ones (`le` buckets, ascending, the
    /// last one +Inf). Extrapolated increases are rounded, and a bucket below its predecessor
    /// (a reset inside the window) counts as no new observations.
    public static func fromCumulative(_ cumulative: [Double]) -> BinnedCounts {
        var out: [Int] = []
        var previous = 0
        for value in cumulative {
            let c = max(previous, Int(value.isFinite ? max(0, value).rounded() : 0))
            out.append(c - previous)
            previous = c
        }
        return BinnedCounts(out)
    }

    /// The counts scaled to a total weight of `total` (never more than the observations), as whole
    /// numbers by the largest-remainder method: each bin gets the floor of its exact share
    /// `count · total / self.total`, and the bins with the largest remainders one more each (the lower
    /// bin first on a tie) until the shares add up. For a histogram observed several times per
    /// request (every inter-token gap), weighted to the arm's request count: the shape is kept, the
    /// sample size is the number of independent requests.
    public func apportioned(to total: Int) -> BinnedCounts {
        let n = self.total, target = max(0, min(total, n))
        guard n > 0, target < n else { return self }
        var shares = counts.map { $0 * target / n }
        let remainders = counts.enumerated().map { (index: $0.offset, rest: $0.element * target % n) }
        let missing = target - shares.reduce(0, +)
        for r in remainders.sorted(by: { $0.rest != $1.rest ? $0.rest > $1.rest : $0.index < $1.index }).prefix(missing) {
            shares[r.index] += 1
        }
        return BinnedCounts(shares)
    }
}

/// The Mann–Whitney U test on binned data: every observation in a bin ties with every other in it
/// (mid-ranks by bin), so U, the tie-corrected variance and the normal approximation (with
/// continuity correction) equal `scipy.stats.mannwhitneyu(x, y, method="asymptotic")` on the
/// values expanded to one per observation (each the bin's index), computed from the counts in
/// O(bins) instead of O(n log n).
public enum BinnedMannWhitney {
    /// Tests whether `x` tends to fall in higher bins (`greater`), lower (`less`) or different ones than `y`.
    public static func test(_ x: BinnedCounts, _ y: BinnedCounts, alternative: Alternative = .twoSided,
                            continuity: Bool = true) throws -> TestResult {
        guard x.counts.count == y.counts.count else {
            throw StatsError.invalidParameter("Both samples must share their bins; got \(x.counts.count) and \(y.counts.count) bins.")
        }
        guard !x.counts.contains(where: { $0 < 0 }), !y.counts.contains(where: { $0 < 0 }) else {
            throw StatsError.invalidParameter("Bin counts must not be negative.")
        }
        let n1 = x.total, n2 = y.total
        guard n1 > 0 else { throw StatsError.notEnoughData(name: "The first sample", needed: 1, got: 0) }
        guard n2 > 0 else { throw StatsError.notEnoughData(name: "The second sample", needed: 1, got: 0) }
        var u1 = 0.0, tieTerm = 0.0, below = 0.0
        for (cx, cy) in zip(x.counts, y.counts) {
            let dx = Double(cx), dy = Double(cy)
            // Each x in this bin beats every y below it and ties (½) with every y in it.
            u1 += dx * (below + dy / 2)
            below += dy
            let t = dx + dy
            tieTerm += t * t * t - t
        }
        let d1 = Double(n1), d2 = Double(n2)
        let u2 = d1 * d2 - u1
        let u: Double, factor: Double
        switch alternative {
        case .greater: (u, factor) = (u1, 1)
        case .less: (u, factor) = (u2, 1)
        case .twoSided: (u, factor) = (max(u1, u2), 2)
        }
        var details: [String: Double] = ["u2": u2, "n1": d1, "n2": d2]
        let approximation = MannWhitney.normalApproximation(u: u, n1: d1, n2: d2, tieTerm: tieTerm, continuity: continuity)
        var p = approximation.p
        if let z = approximation.z { details["z"] = z }
        p = min(max(p * factor, 0), 1)
        // The common-language effect size P(X > Y) + ½ P(X = Y).
        details["probability_greater"] = u1 / (d1 * d2)
        return TestResult(method: "mannwhitney-binned-asymptotic", statistic: u1, pValue: p, alternative: alternative, details: details)
    }
}
