/// Rank sums and tie counts of two samples computed by merging their sorted copies,
/// O(n log n) for the sorts and O(n) afterwards (no combined sort, no index arrays).
struct SortedPair {
    let x: [Double]
    let y: [Double]

    init(_ x: [Double], _ y: [Double]) {
        self.x = RadixSort.sorted(x)
        self.y = RadixSort.sorted(y)
    }

    init(sortedX: [Double], sortedY: [Double]) {
        x = sortedX
        y = sortedY
    }

    /// The rank sum of `x` in the combined sample (average ranks for ties) and Σ(t³ − t) over tie groups.
    func rankSumAndTies() -> (r1: Double, tieTerm: Double, hasTies: Bool) {
        var i = 0, j = 0
        var position = 0 // ranks assigned so far
        var r1 = 0.0, tieTerm = 0.0
        var hasTies = false
        while i < x.count || j < y.count {
            let v: Double
            if j >= y.count || (i < x.count && x[i] <= y[j]) { v = x[i] } else { v = y[j] }
            var cx = 0, cy = 0
            while i < x.count && x[i] == v { cx += 1; i += 1 }
            while j < y.count && y[j] == v { cy += 1; j += 1 }
            let t = cx + cy
            let avg = Double(position) + Double(t + 1) / 2
            r1 += Double(cx) * avg
            if t > 1 {
                hasTies = true
                let td = Double(t)
                tieTerm += td * td * td - td
            }
            position += t
        }
        return (r1, tieTerm, hasTies)
    }
}
