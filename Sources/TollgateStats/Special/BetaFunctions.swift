import Foundation

/// The regularized incomplete beta function and the distributions built on it (Student's t, binomial).
/// Continued fraction by the modified Lentz method, Numerical Recipes (3rd ed.) §6.4 `betacf`.
public enum BetaFunctions {
    /// I_x(a, b), the regularized incomplete beta function.
    public static func regularized(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(lbt) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(lbt) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1..<20_000 {
            let mm = Double(m), m2 = 2 * mm
            var aa = mm * (b - mm) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + mm) * (qab + mm) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 1e-16 { break }
        }
        return h
    }

    /// P(T > t) for Student's t with `df` (possibly fractional) degrees of freedom.
    public static func studentTSF(_ t: Double, df: Double) -> Double {
        if t.isNaN { return .nan }
        if t.isInfinite { return t > 0 ? 0 : 1 }
        let tail = 0.5 * regularized(df / (df + t * t), a: df / 2, b: 0.5)
        return t > 0 ? tail : 1 - tail
    }

    /// P(T ≤ t) for Student's t.
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        studentTSF(-t, df: df)
    }

    /// The t quantile: the t with P(T ≤ t) = p, found by bisection refined with Newton steps.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        if p == 0.5 { return 0 }
        var lo = -1.0, hi = 1.0
        while studentTCDF(lo, df: df) > p { lo *= 2 }
        while studentTCDF(hi, df: df) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if studentTCDF(mid, df: df) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-15 * max(1, abs(mid)) { break }
        }
        return 0.5 * (lo + hi)
    }

    /// P(X ≤ k) for X ~ Binomial(n, p).
    public static func binomialCDF(_ k: Int, n: Int, p: Double) -> Double {
        if k < 0 { return 0 }
        if k >= n { return 1 }
        return regularized(1 - p, a: Double(n - k), b: Double(k + 1))
    }

    /// P(X ≥ k) for X ~ Binomial(n, p).
    public static func binomialSF(atLeast k: Int, n: Int, p: Double) -> Double {
        if k <= 0 { return 1 }
        if k > n { return 0 }
        return regularized(p, a: Double(k), b: Double(n - k + 1))
    }

    /// P(X = k) for X ~ Binomial(n, p), through log-gamma.
    public static func binomialPMF(_ k: Int, n: Int, p: Double) -> Double {
        if k < 0 || k > n { return 0 }
        if p == 0 { return k == 0 ? 1 : 0 }
        if p == 1 { return k == n ? 1 : 0 }
        let logValue = GammaFunctions.logBinomial(Double(n), Double(k)) + Double(k) * log(p) + Double(n - k) * log1p(-p)
        return exp(logValue)
    }
}
