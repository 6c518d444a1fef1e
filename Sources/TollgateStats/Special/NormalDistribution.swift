import Foundation

/// The standard normal distribution: CDF, survival function and quantile, accurate to a few ulps
/// across the whole range (the CDF through `erfc`, the quantile refined by Halley's method).
public enum NormalDistribution {
    /// P(Z ≤ z) for a standard normal Z.
    public static func cdf(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        return 0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// P(Z > z) for a standard normal Z, accurate in the upper tail.
    public static func sf(_ z: Double) -> Double {
        cdf(-z)
    }

    /// The density of the standard normal at `z`.
    public static func pdf(_ z: Double) -> Double {
        exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
    }

    /// The quantile function (inverse CDF): the z with P(Z ≤ z) = p.
    ///
    /// Starts from Abramowitz & Stegun 26.2.23 (error below 4.5e-4) and applies Halley steps on
    /// `erfc`, the refinement P. J. Acklam recommends; three steps reach full double precision.
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p > 0.5 { return -lowerQuantile(1 - p) }
        return lowerQuantile(p)
    }

    /// Quantile for p ≤ 0.5.
    private static func lowerQuantile(_ p: Double) -> Double {
        if p == 0.5 { return 0 }
        let t = (-2 * log(p)).squareRoot()
        let c0 = 2.515517, c1 = 0.802853, c2 = 0.010328
        let d1 = 1.432788, d2 = 0.189269, d3 = 0.001308
        var x = -(t - (c0 + c1 * t + c2 * t * t) / (1 + d1 * t + d2 * t * t + d3 * t * t * t))
        for _ in 0..<4 {
            let e = cdf(x) - p
            let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            let step = u / (1 + x * u / 2)
            x -= step
            if abs(step) <= 1e-16 * max(1, abs(x)) { break }
        }
        return x
    }
}
