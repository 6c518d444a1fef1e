import Foundation

/// The two-sample kernel test of Gretton et al. (2012), "A Kernel Two-Sample Test", JMLR 13:723–773:
/// the (biased, V-statistic) squared maximum mean discrepancy between two sets of vectors under a
/// Gaussian kernel whose bandwidth is the median pairwise distance of the pooled sample (the
/// median heuristic), with a p-value from a permutation null (the pooled vectors relabelled at
/// random, (1 + #{MMD²ₚ ≥ MMD²}) / (1 + permutations), Phipson & Smyth 2010).
///
/// Chosen for answer embeddings over a domain-classifier AUC because it needs no training split
/// (every answer counts towards power, which matters for windows of a few hundred answers), has
/// one setting chosen from the data, and gives an exact finite-sample p-value that a seed makes
/// reproducible.
public enum MaximumMeanDiscrepancy {
    /// The statistic, its permutation p-value, the kernel bandwidth and the number of relabellings.
    public struct Result: Sendable, Equatable, Codable {
        public var mmd2: Double
        public var pValue: Double
        public var bandwidth: Double
        public var permutations: Int
    }

    /// Tests whether `x` and `y` come from the same distribution. At most `maxPerSample` vectors of
    /// each are used (a seeded subsample), keeping the kernel matrix small.
    public static func test(_ x: [[Double]], _ y: [[Double]], permutations: Int = 500, seed: UInt64 = 1,
                            maxPerSample: Int = 200) throws(StatsError) -> Result {
        guard x.count >= 2, y.count >= 2 else {
            throw .notEnoughData(name: "the embedding test", needed: 2, got: min(x.count, y.count))
        }
        var random = SeededGenerator(seed: seed)
        let a = subsample(x, max: maxPerSample, using: &random), b = subsample(y, max: maxPerSample, using: &random)
        let pooled = a + b
        let n = pooled.count
        var distances = [Double](repeating: 0, count: n * n)
        var upper: [Double] = []
        upper.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n {
            for j in (i + 1)..<n {
                var s = 0.0
                for (p, q) in zip(pooled[i], pooled[j]) { s += (p - q) * (p - q) }
                distances[i * n + j] = s
                distances[j * n + i] = s
                upper.append(s.squareRoot())
            }
        }
        var bandwidth = Descriptive.median(upper)
        if !(bandwidth > 0) { bandwidth = 1 }
        let gamma = 1 / (2 * bandwidth * bandwidth)
        let kernel = distances.map { exp(-gamma * $0) }
        let labels = [Bool](repeating: true, count: a.count) + [Bool](repeating: false, count: b.count)
        let observed = statistic(kernel, n: n, labels: labels, nx: a.count)
        var exceed = 0
        var shuffled = labels
        for _ in 0..<permutations {
            for i in stride(from: n - 1, to: 0, by: -1) { shuffled.swapAt(i, random.nextIndex(i + 1)) }
            if statistic(kernel, n: n, labels: shuffled, nx: a.count) >= observed - 1e-12 { exceed += 1 }
        }
        return Result(mmd2: observed, pValue: Double(1 + exceed) / Double(1 + permutations), bandwidth: bandwidth,
                      permutations: permutations)
    }

    /// MMD²_b = mean k(x,x') + mean k(y,y') − 2 mean k(x,y).
    static func statistic(_ k: [Double], n: Int, labels: [Bool], nx: Int) -> Double {
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in 0..<n {
            let li = labels[i]
            let row = i * n
            for j in 0..<n {
                let v = k[row + j]
                if li && labels[j] { xx += v } else if !li && !labels[j] { yy += v } else { xy += v }
            }
        }
        let mx = Double(nx), my = Double(n - nx)
        return xx / (mx * mx) + yy / (my * my) - xy / (mx * my)
    }

    static func subsample(_ v: [[Double]], max: Int, using random: inout SeededGenerator) -> [[Double]] {
        guard v.count > max else { return v }
        var copy = v
        for i in 0..<max { copy.swapAt(i, i + random.nextIndex(copy.count - i)) }
        return Array(copy.prefix(max))
    }
}
