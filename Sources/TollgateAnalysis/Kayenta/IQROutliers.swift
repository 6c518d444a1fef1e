/// Kayenta's `IQRDetector(factor, reduceSensitivity = true)`: values beyond the quartiles by more
/// than `factor`·IQR are outliers. Quartiles use Apache Commons Math's default `Percentile`
/// estimator (position p·(n + 1), linear interpolation, clamped to the extremes), which is what
/// `reduceSensitivity = true` selects.
public enum IQROutliers {
    public static func remove(_ values: [Double], factor: Double = 3.0) -> [Double] {
        guard values.count >= 2 else { return values }
        let sorted = values.sorted()
        let q1 = commonsPercentile(sorted, 25), q3 = commonsPercentile(sorted, 75)
        let iqr = q3 - q1
        let lower = q1 - factor * iqr, upper = q3 + factor * iqr
        return values.filter { $0 >= lower && $0 <= upper }
    }

    static func commonsPercentile(_ sorted: [Double], _ p: Double) -> Double {
        let n = Double(sorted.count)
        let pos = p * (n + 1) / 100
        if pos < 1 { return sorted[0] }
        if pos >= n { return sorted[sorted.count - 1] }
        let lower = Int(pos.rounded(.down))
        let d = pos - Double(lower)
        return sorted[lower - 1] + d * (sorted[lower] - sorted[lower - 1])
    }
}
