/// Order statistics of the n₁·n₂ pairwise differences xᵢ − yⱼ of two sorted samples, without
/// materialising them: bisection over the ordered bit patterns of doubles, counting the
/// differences at or below a threshold with two pointers in O(n₁ + n₂) per step (at most 64 steps).
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

    /// The k-th smallest difference, k in 1...count.
    func kthSmallest(_ k: Int) -> Double {
        precondition(k >= 1 && k <= count)
        var lo = Self.key(x[0] - y[y.count - 1])       // count(lo) ≥ 1
        var hi = Self.key(x[x.count - 1] - y[0])       // count(hi) = all
        if countAtMost(Self.value(lo)) >= k { return Self.value(lo) }
        // Invariant: count(value(lo)) < k ≤ count(value(hi)).
        // The span can exceed Int64 (negative to positive keys); measure it unsigned.
        while UInt64(bitPattern: hi) &- UInt64(bitPattern: lo) > 1 {
            let mid = lo &+ Int64(bitPattern: (UInt64(bitPattern: hi) &- UInt64(bitPattern: lo)) / 2)
            if countAtMost(Self.value(mid)) >= k { hi = mid } else { lo = mid }
        }
        return Self.value(hi)
    }

    /// Maps a double to an integer preserving order (−0 and +0 both map to 0).
    static func key(_ d: Double) -> Int64 {
        let bits = Int64(bitPattern: d.bitPattern)
        return bits >= 0 ? bits : -(bits & Int64.max)
    }

    static func value(_ k: Int64) -> Double {
        k >= 0 ? Double(bitPattern: UInt64(k)) : -Double(bitPattern: UInt64(-k))
    }
}
