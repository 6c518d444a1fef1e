import Foundation

/// Fisher's exact test on a 2×2 table, as `scipy.stats.fisher_exact`: the statistic is the
/// sample odds ratio ad/bc; the two-sided p-value sums the probabilities of all tables with the
/// same margins that are no more likely than the observed one (relative tolerance 1e-14).
public enum FisherExact {
    public static func test(_ table: TwoByTwo, alternative: Alternative = .twoSided) throws -> TestResult {
        try table.validate()
        let (a, b, c, d) = (table.a, table.b, table.c, table.d)
        if a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0 {
            return TestResult(method: "fisher", statistic: .nan, pValue: 1, alternative: alternative,
                              details: ["note_margin_zero": 1]).withoutNaN()
        }
        let odds: Double = (c > 0 && b > 0) ? Double(a) * Double(d) / (Double(c) * Double(b)) : .infinity
        let n1 = a + b, n2 = c + d, n = a + c
        let total = n1 + n2
        let lo = max(0, n - n2), hi = min(n, n1)
        func pmf(_ x: Int) -> Double {
            exp(GammaFunctions.logBinomial(Double(n1), Double(x)) + GammaFunctions.logBinomial(Double(n2), Double(n - x))
                - GammaFunctions.logBinomial(Double(total), Double(n)))
        }
        var p = 0.0
        switch alternative {
        case .less:
            for x in lo...a { p += pmf(x) }
        case .greater:
            for x in a...hi { p += pmf(x) }
        case .twoSided:
            let observed = pmf(a)
            let threshold = observed * (1 + 1e-14)
            for x in lo...hi {
                let px = pmf(x)
                if px <= threshold { p += px }
            }
        }
        p = min(p, 1)
        var result = TestResult(method: "fisher", statistic: odds, pValue: p, alternative: alternative,
                                estimate: odds.isFinite ? odds : nil)
        if !odds.isFinite { result.details["odds_ratio_infinite"] = 1 }
        return result.withoutNaN()
    }
}

extension TestResult {
    /// Replaces a non-finite statistic by 0 and records it, so JSON never carries NaN or infinity.
    func withoutNaN() -> TestResult {
        var copy = self
        if !copy.statistic.isFinite {
            copy.details["statistic_undefined"] = 1
            copy.statistic = 0
        }
        return copy
    }
}
