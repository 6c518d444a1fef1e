/// Bins shared by the histogram-based drift measures (PSI, Jensen–Shannon): edges at the
/// baseline's quantiles (type 7) at 1/k, 2/k, …, (k−1)/k, duplicates removed, with open outer bins,
/// so each bin holds about the same share of the baseline. A value equal to an edge falls in the
/// bin above it (bins are [edgeᵢ, edgeᵢ₊₁)).
public struct Binning: Sendable, Equatable, Codable {
    /// Interior edges, strictly increasing.
    public var edges: [Double]

    public init(edges: [Double]) {
        self.edges = edges
    }

    /// Quantile bins of `baseline` (at most `bins` of them).
    public static func quantiles(of baseline: [Double], bins: Int = 10) -> Binning {
        let sorted = baseline.sorted()
        var edges: [Double] = []
        if bins > 1 {
            for i in 1..<bins {
                let e = Descriptive.quantileSorted(sorted, Double(i) / Double(bins))
                if edges.last.map({ e > $0 }) ?? true { edges.append(e) }
            }
        }
        return Binning(edges: edges)
    }

    public var binCount: Int { edges.count + 1 }

    /// Counts per bin.
    public func counts(_ values: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: binCount)
        for v in values {
            // Number of edges ≤ v is the bin index.
            var lo = 0, hi = edges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if edges[mid] <= v { lo = mid + 1 } else { hi = mid }
            }
            counts[lo] += 1
        }
        return counts
    }
}
