/// The exact null distribution of the Mann–Whitney U statistic without ties: the number of
/// arrangements giving each U equals the number of partitions of U into at most n₁ parts
/// no larger than n₂ (Gaussian binomial coefficients), counted here by dynamic programming
/// with additions only, so every count keeps full relative precision.
struct MannWhitneyDistribution {
    let n1: Int
    let n2: Int
    /// counts[u] for u in 0...maxU (only the lower half is needed, by symmetry).
    private let counts: [Double]
    private let total: Double

    /// The largest problem computed exactly (work grows as n₁·n₂·n₁·n₂/2).
    static let workLimit = 150_000_000.0

    static func isFeasible(_ a: Int, _ b: Int) -> Bool {
        let m = Double(min(a, b)), n = Double(max(a, b))
        return m * n * m * n / 2 <= workLimit
    }

    init(_ a: Int, _ b: Int) {
        n1 = min(a, b)
        n2 = max(a, b)
        let maxU = n1 * n2 / 2 + 1
        // dp[k][u]: partitions of u into exactly k parts, parts drawn from 1...v so far.
        var dp = [[Double]](repeating: [Double](repeating: 0, count: maxU + 1), count: n1 + 1)
        dp[0][0] = 1
        if n1 > 0 {
            for v in 1...max(1, n2) where n2 >= 1 {
                for k in 1...n1 {
                    if v > maxU { break }
                    for u in v...maxU { dp[k][u] += dp[k - 1][u - v] }
                }
            }
        }
        var c = [Double](repeating: 0, count: maxU + 1)
        for k in 0...n1 { for u in 0...maxU { c[u] += dp[k][u] } }
        counts = c
        // Total arrangements: C(n1 + n2, n1).
        var t = 1.0
        if n1 > 0 { for i in 1...n1 { t = t * Double(n2 + i) / Double(i) } }
        total = t.rounded()
    }

    private func count(_ u: Int) -> Double {
        let mn = n1 * n2
        if u < 0 || u > mn { return 0 }
        let v = min(u, mn - u)
        return counts[v]
    }

    /// P(U ≤ k).
    func cdf(_ k: Int) -> Double {
        let mn = n1 * n2
        if k < 0 { return 0 }
        if k >= mn { return 1 }
        if k <= mn / 2 {
            var s = 0.0
            for u in 0...k { s += count(u) }
            return s / total
        }
        return 1 - sf(k + 1)
    }

    /// P(U ≥ k).
    func sf(_ k: Int) -> Double {
        let mn = n1 * n2
        if k <= 0 { return 1 }
        if k > mn { return 0 }
        // P(U ≥ k) = P(U ≤ mn − k) by symmetry.
        let kc = mn - k
        if kc <= mn / 2 {
            var s = 0.0
            for u in 0...kc { s += count(u) }
            return s / total
        }
        return 1 - cdf(k - 1)
    }

    /// The smallest q with P(U ≤ q) ≥ p (R's `qwilcox`).
    func quantile(_ p: Double) -> Int {
        var s = 0.0
        let mn = n1 * n2
        for u in 0...mn {
            s += count(u)
            if s / total >= p * (1 - 64 * Double.ulpOfOne) { return u }
        }
        return mn
    }
}
