import Foundation

/// Descriptive statistics used by the tests: mean, variance, quantiles.
public enum Descriptive {
    /// The arithmetic mean (Kahan-compensated sum); NaN for an empty sample.
    public static func mean(_ values: [Double]) -> Double {
        if values.isEmpty { return .nan }
        var sum = 0.0, c = 0.0
        for v in values {
            let y = v - c
            let t = sum + y
            c = (t - sum) - y
            sum = t
        }
        return sum / Double(values.count)
    }

    /// The sample variance with `ddof` delta degrees of freedom (two-pass algorithm).
    public static func variance(_ values: [Double], ddof: Int = 1) -> Double {
        let n = values.count
        if n - ddof <= 0 { return .nan }
        let m = mean(values)
        var ss = 0.0, comp = 0.0
        for v in values {
            ss += (v - m) * (v - m)
            comp += v - m
        }
        return (ss - comp * comp / Double(n)) / Double(n - ddof)
    }

    /// The q-quantile of an already sorted sample with linear interpolation
    /// (Hyndman & Fan type 7, numpy's default `linear`).
    public static func quantileSorted(_ sorted: [Double], _ q: Double) -> Double {
        if sorted.isEmpty { return .nan }
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// The q-quantile (type 7) of an unsorted sample.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        quantileSorted(values.sorted(), q)
    }

    /// The median (type 7, i.e. the usual average of the two middle values for even n).
    public static func median(_ values: [Double]) -> Double {
        quantile(values, 0.5)
    }
}
