import Foundation

/// The Mann–Whitney U test (Wilcoxon rank-sum test) of two independent samples, as
/// `scipy.stats.mannwhitneyu`: U₁ is the statistic of the first sample; `auto` uses the exact
/// null distribution when one sample has at most 8 values and there are no ties, and otherwise
/// the normal approximation with tie correction and continuity correction.
public enum MannWhitney {
    /// How the p-value is computed.
    public enum Method: String, Codable, Sendable, CaseIterable {
        case auto, exact, asymptotic
    }

    /// Tests whether `x` tends to be larger (`greater`), smaller (`less`) or different from `y`.
    public static func test(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided,
                            method: Method = .auto, continuity: Bool = true) throws -> TestResult {
        try Validate.sample(x, name: "The first sample")
        try Validate.sample(y, name: "The second sample")
        return test(sorted: SortedPair(x, y), alternative: alternative, method: method, continuity: continuity)
    }

    /// The test on samples already sorted ascending (used by the judges, which sort once).
    static func test(sorted pair: SortedPair, alternative: Alternative, method: Method, continuity: Bool) -> TestResult {
        let n1 = pair.x.count, n2 = pair.y.count
        let (r1, tieTerm, hasTies) = pair.rankSumAndTies()
        let d1 = Double(n1), d2 = Double(n2)
        let u1 = r1 - d1 * (d1 + 1) / 2
        let u2 = d1 * d2 - u1
        let u: Double
        let factor: Double
        switch alternative {
        case .greater: u = u1; factor = 1
        case .less: u = u2; factor = 1
        case .twoSided: u = max(u1, u2); factor = 2
        }
        var chosen = method
        if chosen == .auto {
            chosen = (n1 > 8 && n2 > 8) || hasTies ? .asymptotic : .exact
        }
        var details: [String: Double] = ["u2": u2, "n1": d1, "n2": d2]
        var p: Double
        var name = "mannwhitney-" + chosen.rawValue
        if chosen == .exact && !MannWhitneyDistribution.isFeasible(n1, n2) {
            chosen = .asymptotic
            name = "mannwhitney-asymptotic (exact too large)"
        }
        if chosen == .exact {
            let dist = MannWhitneyDistribution(n1, n2)
            p = dist.sf(Int(u.rounded()))
        } else {
            let approximation = normalApproximation(u: u, n1: d1, n2: d2, tieTerm: tieTerm, continuity: continuity)
            p = approximation.p
            if let z = approximation.z { details["z"] = z }
        }
        p = min(max(p * factor, 0), 1)
        return TestResult(method: name, statistic: u1, pValue: p, alternative: alternative, details: details)
    }

    /// The one-sided p-value P(U ≥ u) of the normal approximation with tie correction (`tieTerm` = Σ(t³ − t)
    /// over groups of ties) and optional continuity correction, as scipy's; `z` is nil when every value ties.
    static func normalApproximation(u: Double, n1: Double, n2: Double, tieTerm: Double, continuity: Bool) -> (p: Double, z: Double?) {
        let n = n1 + n2
        let s = n > 1 ? (n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot() : 0
        var numerator = u - n1 * n2 / 2
        if continuity { numerator -= 0.5 }
        guard s > 0 else {
            // Every value is tied: U sits at its mean and no evidence of a difference exists.
            return (numerator > 0 ? 0 : 1, nil)
        }
        let z = numerator / s
        return (NormalDistribution.sf(z), z)
    }
}
