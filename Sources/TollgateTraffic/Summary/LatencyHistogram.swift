import Foundation

/// A constant-memory latency histogram with logarithmic buckets 0.5% wide (the scheme of
/// HdrHistogram and DDSketch: relative error bounded per bucket), so a replay of any length
/// keeps its percentiles in a few tens of kilobytes. Quantiles are exact to ±0.25%.
public struct LatencyHistogram: Sendable, Equatable {
    private static let minimum = 0.001 // 1 µs, in milliseconds
    private static let growth = 1.005
    private static let logGrowth = log(growth)
    private static let bucketCount = Int((log(1e9 / minimum) / logGrowth).rounded(.up)) + 1

    private var counts: [UInt32] = []
    public private(set) var count = 0
    public private(set) var sum = 0.0
    public private(set) var min = Double.infinity
    public private(set) var max = -Double.infinity

    public init() {}

    public mutating func record(_ value: Double) {
        guard value.isFinite else { return }
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        let v = Swift.max(value, 0)
        let index = v <= Self.minimum ? 0 : Swift.min(Self.bucketCount - 1, Int(log(v / Self.minimum) / Self.logGrowth) + 1)
        counts[index] &+= 1
        count += 1
        sum += v
        min = Swift.min(min, v)
        max = Swift.max(max, v)
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// The `q`-quantile (0…1) by nearest rank, `nil` when empty.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (index, c) in counts.enumerated() where c > 0 {
            seen += Int(c)
            if seen >= rank {
                if index == 0 { return min }
                // Geometric middle of the bucket [minimum·g^(i-1), minimum·g^i).
                let middle = Self.minimum * pow(Self.growth, Double(index) - 0.5)
                return Swift.min(Swift.max(middle, min), max)
            }
        }
        return max
    }

    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        for (i, c) in other.counts.enumerated() where c > 0 { counts[i] &+= c }
        count += other.count
        sum += other.sum
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }
}
