import Foundation

/// Welch's unequal-variances t-test of two means, as `scipy.stats.ttest_ind(equal_var=False)`,
/// with the Welch–Satterthwaite degrees of freedom and the interval for the difference of means.
public enum WelchT {
    /// Tests the mean of `x` against the mean of `y`; the estimate is mean(x) − mean(y).
    public static func test(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided,
                            confidence: Double = 0.95) throws -> TestResult {
        try Validate.sample(x, name: "The first sample", atLeast: 2)
        try Validate.sample(y, name: "The second sample", atLeast: 2)
        try Validate.confidence(confidence)
        let n1 = Double(x.count), n2 = Double(y.count)
        let v1 = Descriptive.variance(x) / n1, v2 = Descriptive.variance(y) / n2
        let diff = Descriptive.mean(x) - Descriptive.mean(y)
        let se = (v1 + v2).squareRoot()
        guard se > 0 else {
            throw StatsError.degenerate("Both samples have zero variance, so Welch's t is undefined; compare the values directly.")
        }
        let df = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
        let t = diff / se
        let p: Double
        let low: Double, high: Double
        switch alternative {
        case .twoSided:
            p = min(1, 2 * BetaFunctions.studentTSF(abs(t), df: df))
            let q = BetaFunctions.studentTQuantile(1 - (1 - confidence) / 2, df: df)
            low = diff - q * se; high = diff + q * se
        case .greater:
            p = BetaFunctions.studentTSF(t, df: df)
            low = diff - BetaFunctions.studentTQuantile(confidence, df: df) * se; high = .infinity
        case .less:
            p = BetaFunctions.studentTCDF(t, df: df)
            low = -.infinity; high = diff + BetaFunctions.studentTQuantile(confidence, df: df) * se
        }
        return TestResult(method: "welch", statistic: t, pValue: p, alternative: alternative, estimate: diff,
                          ciLow: low.isFinite ? low : nil, ciHigh: high.isFinite ? high : nil,
                          confidence: confidence, details: ["df": df, "standard_error": se])
    }
}
