/// Order statistics of the n₁·n₂ pairwise differences xᵢ − yⱼ of two sorted samples, without
/// materialising them (the selection problem of Hodges–Lehmann estimates; cf. Monahan 1984).
///
/// The k-th smallest is bracketed by thresholds lo < hi with count(≤ lo) < k ≤ count(≤ hi); each
/// step counts the differences at or below a trial threshold with two pointers in O(n₁ + n₂).
/// The first bracket comes from quantiles of a random sample of differences; then each round
/// interpolates the target rank between the bracket's counts and probes just past it on the other
/// side, so both ends close (with a bisection step when progress is slow); once the bracket holds at most 50 000 differences they are listed and the
/// answer is selected from them exactly. A bracket that cannot be split any more holds a single
/// (heavily tied) value, which is then the answer.
struct PairwiseDifferences {
    let x: [Double]
    let y: [Double]

    var count: Int { x.count * y.count }

    /// Number of pairs with x[i] − y[j] ≤ t.
    func countAtMost(_ t: Double) -> Int {
        // For fixed i, x[i] − y[j] decreases in j, so qualifying j form a suffix starting at start(i);
        // start(i) is non-decreasing in i.
        var total = 0
        var j = 0
        let n = y.count
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                for i in 0..<xs.count {
                    let xi = xs[i]
                    while j < n && xi - ys[j] > t { j += 1 }
                    total += n - j
                }
            }
        }
        return total
    }

    /// The differences d with lo < d ≤ hi.
    func differences(above lo: Double, atMost hi: Double) -> [Double] {
        var out: [Double] = []
        var jHi = 0, jLo = 0
        let n = y.count
        for i in 0..<x.count {
            let xi = x[i]
            while jHi < n && xi - y[jHi] > hi { jHi += 1 }
            while jLo < n && xi - y[jLo] > lo { jLo += 1 }
            // j in jHi..<jLo have lo < xi − y[j] ≤ hi.
            for j in jHi..<jLo { out.append(xi - y[j]) }
        }
        return out
    }

    /// The k-th smallest difference, k in 1...count.
    func kthSmallest(_ k: Int) -> Double {
        precondition(k >= 1 && k <= count)
        let minimum = x[0] - y[y.count - 1]
        if k == 1 { return minimum }
        let maximum = x[x.count - 1] - y[0]
        if k == count { return maximum }
        // Bracket: count(lo) < k ≤ count(hi). Start just below the minimum (count 0).
        var lo = minimum.nextDown, cLo = 0
        var hi = maximum, cHi = count
        let listLimit = 50_000
        if cHi - cLo > listLimit {
            // Narrow the bracket with quantiles of a random sample of differences around the target
            // rank (±4 standard errors); the sample only affects speed, never the result.
            let (sampleLo, sampleHi) = sampledBracket(k)
            if sampleLo > lo && sampleLo < hi {
                let c = countAtMost(sampleLo)
                if c < k { lo = sampleLo; cLo = c } else { hi = sampleLo; cHi = c }
            }
            if sampleHi > lo && sampleHi < hi {
                let c = countAtMost(sampleHi)
                if c >= k { hi = sampleHi; cHi = c } else { lo = sampleHi; cLo = c }
            }
        }
        while cHi - cLo > listLimit {
            // Interpolate the target rank, then probe past it on the other side by twice the
            // expected error, so that both ends of the bracket close in each round.
            let density = Double(cHi - cLo) / (hi - lo)
            var t = lo + Double(k - cLo) / density
            if !(t > lo && t < hi) { t = lo + (hi - lo) / 2 }
            if !(t > lo && t < hi) {
                t = Self.value(Self.midKey(Self.key(lo), Self.key(hi)))
                // Adjacent doubles: every difference in (lo, hi] equals hi (a heavily tied value).
                if !(t > lo && t < hi) { return hi }
            }
            let before = cHi - cLo
            let c = countAtMost(t)
            let error = Double(abs(c - k)) + Double(listLimit / 8)
            if c >= k { hi = t; cHi = c } else { lo = t; cLo = c }
            let probe = c >= k ? t - 2 * error / density : t + 2 * error / density
            if probe > lo && probe < hi {
                let cp = countAtMost(probe)
                if cp >= k { hi = probe; cHi = cp } else { lo = probe; cLo = cp }
            }
            if (cHi - cLo) * 2 > before {
                // Slow progress (very uneven density): bisect once.
                let mid = lo + (hi - lo) / 2
                if mid > lo && mid < hi {
                    let cm = countAtMost(mid)
                    if cm >= k { hi = mid; cHi = cm } else { lo = mid; cLo = cm }
                }
            }
        }
        var candidates = differences(above: lo, atMost: hi)
        candidates.sort()
        return candidates[k - cLo - 1]
    }

    /// Sample quantiles of random differences bracketing rank k with high probability.
    func sampledBracket(_ k: Int) -> (Double, Double) {
        var g = SeededGenerator(seed: 0x5EED)
        let size = 20_000
        var sample = (0..<size).map { _ in x[g.nextIndex(x.count)] - y[g.nextIndex(y.count)] }
        sample.sort()
        let p = (Double(k) - 0.5) / Double(count)
        let margin = 4 * (p * (1 - p) / Double(size)).squareRoot() + 1 / Double(size)
        let lowIndex = Int((max(0, p - margin) * Double(size - 1)).rounded(.down))
        let highIndex = Int((min(1, p + margin) * Double(size - 1)).rounded(.up))
        return (sample[lowIndex], sample[highIndex])
    }

    /// The smallest difference strictly greater than `t` (nil when none is).
    func smallestAbove(_ t: Double) -> Double? {
        var best: Double?
        var j = 0
        let n = y.count
        for i in 0..<x.count {
            let xi = x[i]
            while j < n && xi - y[j] > t { j += 1 }
            // y[j-1] is the largest y with xi − y > t: the smallest such difference for this i.
            if j > 0 {
                let d = xi - y[j - 1]
                if best.map({ d < $0 }) ?? true { best = d }
            }
        }
        return best
    }

    /// The k-th and (k+1)-th smallest differences, the second found in one extra pass.
    func kthAndNext(_ k: Int) -> (Double, Double) {
        let a = kthSmallest(k)
        if countAtMost(a) >= k + 1 { return (a, a) }
        return (a, smallestAbove(a) ?? a)
    }

    /// Maps a double to an integer preserving order (−0 and +0 both map to 0).
    static func key(_ d: Double) -> Int64 {
        let bits = Int64(bitPattern: d.bitPattern)
        return bits >= 0 ? bits : -(bits & Int64.max)
    }

    static func value(_ k: Int64) -> Double {
        k >= 0 ? Double(bitPattern: UInt64(k)) : -Double(bitPattern: UInt64(-k))
    }

    /// The midpoint of two keys; the span can exceed Int64, so it is measured unsigned.
    static func midKey(_ lo: Int64, _ hi: Int64) -> Int64 {
        lo &+ Int64(bitPattern: (UInt64(bitPattern: hi) &- UInt64(bitPattern: lo)) / 2)
    }
}
