import Foundation

/// McNemar's test for paired binary outcomes (the same eval cases scored pass/fail on baseline and
/// candidate), as `statsmodels.stats.contingency_tables.mcnemar`: `exact` is the two-sided binomial
/// test of b against b + c with p = ½ (statistic min(b, c)); otherwise the chi-square statistic
/// (|b − c| − 1)² / (b + c) with continuity correction, one degree of freedom.
public enum McNemar {
    /// `b`: pairs where only the first passed; `c`: pairs where only the second passed.
    public static func test(b: Int, c: Int, exact: Bool = true, correction: Bool = true) throws -> TestResult {
        guard b >= 0, c >= 0 else {
            throw StatsError.invalidParameter("Discordant pair counts must be non-negative, got b = \(b), c = \(c).")
        }
        let n = b + c
        let details: [String: Double] = ["b": Double(b), "c": Double(c)]
        if n == 0 {
            return TestResult(method: exact ? "mcnemar-exact" : "mcnemar-chi2", statistic: 0, pValue: 1,
                              alternative: .twoSided, details: details)
        }
        if exact {
            let p = min(1, 2 * BetaFunctions.binomialCDF(min(b, c), n: n, p: 0.5))
            return TestResult(method: "mcnemar-exact", statistic: Double(min(b, c)), pValue: p,
                              alternative: .twoSided, details: details)
        }
        var diff = abs(Double(b - c))
        if correction { diff = max(0, diff - 1) }
        let statistic = diff * diff / Double(n)
        return TestResult(method: "mcnemar-chi2", statistic: statistic,
                          pValue: GammaFunctions.chiSquareSF(statistic, df: 1), alternative: .twoSided, details: details)
    }

    /// McNemar's test from paired pass/fail outcomes (`true` = pass) of the same cases.
    public static func test(first: [Bool], second: [Bool], exact: Bool = true) throws -> TestResult {
        guard first.count == second.count else { throw StatsError.lengthMismatch(first: first.count, second: second.count) }
        var b = 0, c = 0
        for (f, s) in zip(first, second) {
            if f && !s { b += 1 } else if !f && s { c += 1 }
        }
        return try test(b: b, c: c, exact: exact)
    }
}
