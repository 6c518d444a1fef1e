import Foundation

/// The Wilcoxon signed-rank test of paired differences, as `scipy.stats.wilcoxon` with its defaults
/// (`zero_method='wilcox'`: zero differences are dropped; `correction=False`; `method='auto'`):
/// exact null distribution for at most 50 pairs without ties or zeros; a full enumeration of the
/// 2ⁿ sign flips (scipy's permutation test, exact at this size) for at most 13 pairs with ties or
/// zeros; the normal approximation with tie correction otherwise.
public enum WilcoxonSignedRank {
    /// How the p-value is computed.
    public enum Method: String, Codable, Sendable, CaseIterable {
        case auto, exact, asymptotic
    }

    /// Tests the differences `x − y` for symmetry about zero; `greater` means x tends to exceed y.
    public static func test(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided,
                            method: Method = .auto, correction: Bool = false) throws -> TestResult {
        guard x.count == y.count else { throw StatsError.lengthMismatch(first: x.count, second: y.count) }
        try Validate.finite(x, name: "The first sample")
        try Validate.finite(y, name: "The second sample")
        return try test(differences: zip(x, y).map { $0 - $1 }, alternative: alternative, method: method, correction: correction)
    }

    /// Tests a sample of paired differences for symmetry about zero.
    public static func test(differences d: [Double], alternative: Alternative = .twoSided,
                            method: Method = .auto, correction: Bool = false) throws -> TestResult {
        try Validate.sample(d, name: "The differences")
        let nonzero = d.filter { $0 != 0 }
        let zeros = d.count - nonzero.count
        guard !nonzero.isEmpty else {
            throw StatsError.degenerate("Every paired difference is zero, so the signed-rank test has nothing to rank; the samples agree exactly.")
        }
        let (ranks, ties) = Ranking.averageRanks(nonzero.map(abs))
        var rPlus = 0.0, rMinus = 0.0
        for (v, r) in zip(nonzero, ranks) { if v > 0 { rPlus += r } else { rMinus += r } }
        let count = Double(nonzero.count)
        let mean = count * (count + 1) / 4
        let tieTerm = Ranking.tieTerm(ties)
        let se = ((count * (count + 1) * (2 * count + 1) - tieTerm / 2) / 24).squareRoot()
        let hasTies = ties.contains { $0 > 1 }
        var chosen = method
        var permutation = false
        if method == .auto {
            if d.count > 50 { chosen = .asymptotic }
            else if !(hasTies || zeros > 0) { chosen = .exact }
            else if d.count <= 13 { permutation = true }
            else { chosen = .asymptotic }
        }
        var p: Double
        var details: [String: Double] = ["r_plus": rPlus, "r_minus": rMinus, "n_nonzero": count, "n_zero": Double(zeros)]
        let name: String
        if permutation {
            p = enumerate(ranks: ranks, observed: rPlus, alternative: alternative)
            name = "wilcoxon-permutation"
        } else if chosen == .exact {
            let dist = SignedRankDistribution(n: nonzero.count)
            switch alternative {
            case .less: p = dist.cdf(Int(rPlus.rounded(.up)))
            case .greater: p = dist.sf(Int(rPlus.rounded(.down)))
            case .twoSided: p = min(1, 2 * min(dist.sf(Int(rPlus.rounded(.down))), dist.cdf(Int(rPlus.rounded(.up)))))
            }
            name = "wilcoxon-exact"
        } else {
            var z = (rPlus - mean) / se
            if correction {
                let sign: Double = alternative == .greater ? 1 : (alternative == .less ? -1 : (z > 0 ? 1 : (z < 0 ? -1 : 0)))
                z -= sign * 0.5 / se
            }
            switch alternative {
            case .greater: p = NormalDistribution.sf(z)
            case .less: p = NormalDistribution.cdf(z)
            case .twoSided: p = min(1, 2 * NormalDistribution.sf(abs(z)))
            }
            details["z"] = alternative == .twoSided ? -abs(z) : z
            name = "wilcoxon-asymptotic"
        }
        let statistic = alternative == .twoSided ? min(rPlus, rMinus) : rPlus
        return TestResult(method: name, statistic: statistic, pValue: min(max(p, 0), 1), alternative: alternative,
                          details: details)
    }

    /// Exact p-value over all sign assignments (scipy's `permutation_test` with
    /// `permutation_type='samples'`, which enumerates them when 2ⁿ is small); zeros only double counts.
    private static func enumerate(ranks: [Double], observed: Double, alternative: Alternative) -> Double {
        let n = ranks.count
        let total = 1 << n
        let gamma = abs(Double.ulpOfOne * 100 * observed)
        var greater = 0, less = 0
        for mask in 0..<total {
            var s = 0.0
            for i in 0..<n where mask & (1 << i) != 0 { s += ranks[i] }
            if s >= observed - gamma { greater += 1 }
            if s <= observed + gamma { less += 1 }
        }
        let pg = Double(greater) / Double(total), pl = Double(less) / Double(total)
        switch alternative {
        case .greater: return pg
        case .less: return pl
        case .twoSided: return min(1, 2 * min(pg, pl))
        }
    }
}

/// The exact null distribution of the signed-rank statistic W⁺ for n pairs without ties
/// (subset sums of 1…n, counted by dynamic programming), with scipy's tail formulas.
struct SignedRankDistribution {
    let n: Int
    let pmf: [Double]

    init(n: Int) {
        self.n = n
        let maxW = n * (n + 1) / 2
        var counts = [Double](repeating: 0, count: maxW + 1)
        counts[0] = 1
        if n > 0 {
            for k in 1...n {
                for w in stride(from: maxW, through: k, by: -1) { counts[w] += counts[w - k] }
            }
        }
        let total = pow(2.0, Double(n))
        pmf = counts.map { $0 / total }
    }

    private var mean: Double { Double(n * (n + 1)) / 4 }

    private func sumRange(_ from: Int, _ to: Int) -> Double {
        let lo = max(0, from), hi = min(pmf.count - 1, to)
        if lo > hi { return 0 }
        var s = 0.0
        for w in lo...hi { s += pmf[w] }
        return s
    }

    func cdf(_ k: Int) -> Double {
        Double(k) <= mean ? sumRange(0, k) : 1 - sumRange(k + 1, pmf.count - 1)
    }

    func sf(_ k: Int) -> Double {
        Double(k) <= mean ? sumRange(k, pmf.count - 1) : 1 - sumRange(0, k - 1)
    }
}
