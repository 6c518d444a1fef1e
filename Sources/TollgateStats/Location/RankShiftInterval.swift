import Foundation

/// The asymptotic confidence interval and estimate of a location shift that R's
/// `wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE)` computes, and that
/// Kayenta's `MannWhitney.scala` reproduces: the roots in μ of the continuity-corrected
/// standardized rank sum of x − μ against y, found by `uniroot` (R's zeroin, tol 1e-4).
public enum RankShiftInterval {
    /// The interval's endpoints, the estimate and the intermediate quantities Kayenta's tests check.
    public struct Result: Sendable, Equatable, Codable {
        public var low: Double
        public var high: Double
        public var estimate: Double
        public var muMin: Double
        public var muMax: Double
    }

    /// The standardized, continuity-corrected rank statistic of `x − mu` against `y`, minus `quantile`
    /// (R's `wdiff`). Throws when every observation is tied (the statistic is undefined).
    public static func wilcoxonDifference(_ x: [Double], _ y: [Double], mu: Double, quantile: Double) throws -> Double {
        try wilcoxonDifference(sortedX: x.sorted(), sortedY: y.sorted(), mu: mu, quantile: quantile)
    }

    /// `wilcoxonDifference` on samples sorted ascending (x − μ stays sorted, so no sort per evaluation).
    static func wilcoxonDifference(sortedX x: [Double], sortedY y: [Double], mu: Double, quantile: Double) throws -> Double {
        let nx = Double(x.count), ny = Double(y.count)
        let pair = SortedPair(sortedX: x.map { $0 - mu }, sortedY: y)
        let (r1, tieTerm, _) = pair.rankSumAndTies()
        let dz = r1 - nx * (nx + 1) / 2 - nx * ny / 2
        let correction = dz > 0 ? 0.5 : (dz < 0 ? -0.5 : 0)
        let sigma = ((nx * ny / 12) * ((nx + ny + 1) - tieTerm / ((nx + ny) * (nx + ny - 1)))).squareRoot()
        if sigma == 0 {
            throw StatsError.degenerate("Cannot compute a confidence interval when all observations are tied.")
        }
        return (dz - correction) / sigma - quantile
    }

    /// The interval at `confidence` and the estimate for the shift of `x` (experiment) against `y` (control).
    public static func compute(_ x: [Double], _ y: [Double], confidence: Double, tolerance: Double = 1e-4) throws -> Result {
        try Validate.sample(x, name: "The experiment sample")
        try Validate.sample(y, name: "The control sample")
        try Validate.confidence(confidence)
        let alpha = 1 - confidence
        let sx = x.sorted(), sy = y.sorted()
        let muMin = sx[0] - sy[sy.count - 1]
        let muMax = sx[sx.count - 1] - sy[0]
        var failure: StatsError?
        let f = { (mu: Double, zq: Double) -> Double in
            do { return try wilcoxonDifference(sortedX: sx, sortedY: sy, mu: mu, quantile: zq) } catch {
                failure = error as? StatsError
                return .nan
            }
        }
        func root(_ zq: Double) -> Double {
            let fLower = f(muMin, zq)
            if fLower <= 0 { return muMin }
            let fUpper = f(muMax, zq)
            if fUpper >= 0 { return muMax }
            return RootFinding.zeroin({ f($0, zq) }, muMin, muMax, fa: fLower, fb: fUpper, tolerance: tolerance)
        }
        let zq = NormalDistribution.quantile(alpha / 2)
        let low = root(-zq)
        let high = root(zq)
        let estimate = RootFinding.zeroin({ f($0, 0) }, muMin, muMax, fa: f(muMin, 0), fb: f(muMax, 0), tolerance: tolerance)
        if let failure { throw failure }
        return Result(low: low, high: high, estimate: estimate, muMin: muMin, muMax: muMax)
    }
}
