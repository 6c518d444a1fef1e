/// A 2×2 table of counts: rows are the groups (baseline, candidate), columns the outcomes
/// (for example failed, succeeded). `a b / c d` in the usual notation.
public struct TwoByTwo: Sendable, Equatable, Codable {
    public var a: Int
    public var b: Int
    public var c: Int
    public var d: Int

    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
        self.a = a; self.b = b; self.c = c; self.d = d
    }

    /// Reads `[[a, b], [c, d]]` or `[a, b, c, d]`.
    public init(values: [Double]) throws {
        guard values.count == 4 else {
            throw StatsError.invalidParameter("A 2×2 table needs exactly four counts (a b c d), got \(values.count).")
        }
        var counts: [Int] = []
        for v in values {
            guard v.isFinite, v >= 0, v == v.rounded(), v < 1e15 else {
                throw StatsError.invalidParameter("Table counts must be non-negative whole numbers, got \(v).")
            }
            counts.append(Int(v))
        }
        self.init(counts[0], counts[1], counts[2], counts[3])
    }

    func validate() throws {
        if a < 0 || b < 0 || c < 0 || d < 0 {
            throw StatsError.invalidParameter("Table counts must be non-negative, got \(a) \(b) \(c) \(d).")
        }
    }
}
