import Foundation

/// The two-sample Kolmogorov–Smirnov test, as `scipy.stats.ks_2samp`: exact when both samples
/// have at most 10 000 values, Smirnov's asymptotic distribution otherwise.
///
/// The exact probability is computed as a lattice-path probability (each path from (0, 0) to
/// (n₁, n₂) equally likely, paths absorbed when they touch the boundary), which keeps every
/// intermediate value in [0, 1]. Asymptotic two-sided p-values use the one-sample Kolmogorov
/// distribution with n = round(n₁n₂/(n₁+n₂)) like scipy's `kstwo`: the exact Smirnov sum in the
/// upper tail and the Pelz–Good expansion elsewhere (scipy uses the Durbin matrix for very small
/// statistics, where the p-value is essentially 1).
public enum KolmogorovSmirnov {
    /// How the p-value is computed.
    public enum Method: String, Codable, Sendable, CaseIterable {
        case auto, exact, asymptotic
    }

    static let maxAutoExact = 10_000

    /// Tests whether `x` and `y` come from the same distribution. `greater` tests whether the
    /// CDF of `x` lies above that of `y` somewhere (statistic max(F₁ − F₂)).
    public static func test(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided,
                            method: Method = .auto) throws -> TestResult {
        try Validate.sample(x, name: "The first sample")
        try Validate.sample(y, name: "The second sample")
        let a = x.sorted(), b = y.sorted()
        let n1 = a.count, n2 = b.count
        // Largest positive and negative differences of the empirical CDFs at the data points.
        var i = 0, j = 0
        var maxS = -Double.infinity, minS = Double.infinity
        var maxAt = a[0], minAt = a[0]
        while i < n1 || j < n2 {
            let v: Double
            if j >= n2 || (i < n1 && a[i] <= b[j]) { v = a[i] } else { v = b[j] }
            while i < n1 && a[i] == v { i += 1 }
            while j < n2 && b[j] == v { j += 1 }
            let diff = Double(i) / Double(n1) - Double(j) / Double(n2)
            if diff > maxS { maxS = diff; maxAt = v }
            if diff < minS { minS = diff; minAt = v }
        }
        let dMinus = min(max(-minS, 0), 1)
        var d: Double
        var location: Double, sign: Double
        if alternative == .less || (alternative == .twoSided && dMinus > maxS) {
            d = dMinus; location = minAt; sign = -1
        } else {
            d = maxS; location = maxAt; sign = 1
        }
        let g = gcd(n1, n2)
        var chosen = method
        if chosen == .auto { chosen = max(n1, n2) <= maxAutoExact ? .exact : .asymptotic }
        // scipy counts one-sided paths with binomial coefficients and falls back to the asymptotic
        // formula when C(n₁ + n₂, n₁) overflows a double; follow it so p-values agree.
        if chosen == .exact && alternative != .twoSided && n1 != n2
            && GammaFunctions.logBinomial(Double(n1 + n2), Double(n1)) > log(Double.greatestFiniteMagnitude) {
            chosen = .asymptotic
        }
        var p: Double
        if chosen == .exact {
            let lcm = Double(n1 / g) * Double(n2)
            let h = Int((d * lcm).rounded(.toNearestOrEven))
            d = Double(h) / lcm
            if h == 0 {
                p = 1
            } else {
                p = exactProbability(n1, n2, h: h, g: g, alternative: alternative)
            }
        } else {
            let m = Double(max(n1, n2)), n = Double(min(n1, n2))
            let en = m * n / (m + n)
            if alternative == .twoSided {
                p = Kolmogorov.twoSidedSF(n: Int(en.rounded(.toNearestOrEven)), d)
            } else {
                let z = en.squareRoot() * d
                p = exp(-2 * z * z - 2 * z * (m + 2 * n) / (m * n * (m + n)).squareRoot() / 3)
            }
        }
        p = min(max(p, 0), 1)
        return TestResult(method: "ks-" + chosen.rawValue, statistic: d, pValue: p, alternative: alternative,
                          details: ["statistic_location": location, "statistic_sign": sign])
    }

    /// P(D ≥ h·g/(n₁n₂)) under the null, by dynamic programming over lattice paths.
    static func exactProbability(_ n1: Int, _ n2: Int, h: Int, g: Int, alternative: Alternative) -> Double {
        if alternative != .twoSided && n1 == n2 {
            var p = 1.0
            for j in 0..<h { p *= Double(n1 - j) / Double(n1 + j + 1) }
            return p
        }
        let boundary = h * g // touch when |i·n2 − j·n1| ≥ boundary (or the signed version)
        let m = n1, n = n2
        func outside(_ i: Int, _ j: Int) -> Bool {
            let s = i * n - j * m
            switch alternative {
            case .twoSided: return abs(s) >= boundary
            case .greater: return s >= boundary
            case .less: return -s >= boundary
            }
        }
        var row = [Double](repeating: 0, count: n + 1)
        // Row i = 0.
        row[0] = 1
        if n > 0 {
            for j in 1...n {
                row[j] = outside(0, j) ? 0 : row[j - 1] * Double(n - j + 1) / Double(m + n - j + 1)
            }
        }
        if m > 0 {
            for i in 1...m {
                let fromLeft = Double(m - i + 1)
                var prev = 0.0
                for j in 0...n {
                    var value = row[j] * fromLeft / Double(m + n - i + 1 - j)
                    if j > 0 { value += prev * Double(n - j + 1) / Double(m + n - i - j + 1) }
                    if outside(i, j) { value = 0 }
                    row[j] = value
                    prev = value
                }
            }
        }
        return 1 - row[n]
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
