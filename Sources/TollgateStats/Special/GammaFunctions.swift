import Foundation

/// Regularized incomplete gamma functions P(a, x) and Q(a, x) and the chi-square distribution
/// built on them. Series and continued fraction as in Numerical Recipes (3rd ed.) §6.2, `gser`/`gcf`.
public enum GammaFunctions {
    /// P(a, x) = γ(a, x) / Γ(a), the lower regularized incomplete gamma function.
    public static func regularizedP(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "a must be positive")
        if x <= 0 { return 0 }
        if x.isInfinite { return 1 }
        if x < a + 1 { return series(a, x) }
        return 1 - continuedFraction(a, x)
    }

    /// Q(a, x) = 1 − P(a, x), computed directly in the upper tail so small values keep their precision.
    public static func regularizedQ(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "a must be positive")
        if x <= 0 { return 1 }
        if x.isInfinite { return 0 }
        if x < a + 1 { return 1 - series(a, x) }
        return continuedFraction(a, x)
    }

    private static func series(_ a: Double, _ x: Double) -> Double {
        var ap = a
        var sum = 1 / a
        var del = sum
        for _ in 0..<10_000 {
            ap += 1
            del *= x / ap
            sum += del
            if abs(del) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    /// Modified Lentz evaluation of the continued fraction for Q(a, x).
    private static func continuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 10_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 1e-17 { break }
            i += 1
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// Survival function of the chi-square distribution with `df` degrees of freedom.
    public static func chiSquareSF(_ x: Double, df: Double) -> Double {
        if x <= 0 { return 1 }
        if df == 1 { return erfc((x / 2).squareRoot()) }
        if df == 2 { return exp(-x / 2) }
        return regularizedQ(df / 2, x / 2)
    }

    /// CDF of the chi-square distribution with `df` degrees of freedom.
    public static func chiSquareCDF(_ x: Double, df: Double) -> Double {
        if x <= 0 { return 0 }
        if df == 1 { return erf((x / 2).squareRoot()) }
        return regularizedP(df / 2, x / 2)
    }

    /// log C(n, k) through `lgamma`.
    public static func logBinomial(_ n: Double, _ k: Double) -> Double {
        lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
    }
}
