/// One metric's classification as the scorer sees it.
public struct KayentaScoredMetric: Codable, Sendable, Equatable {
    public var name: String
    public var classification: KayentaClassification
    public var groups: [String]
    /// A critical failure flag (Kayenta's `critical` on the result).
    public var critical: Bool

    public init(name: String, classification: KayentaClassification, groups: [String], critical: Bool = false) {
        self.name = name
        self.classification = classification
        self.groups = groups
        self.critical = critical
    }
}

/// Kayenta's `WeightedSumScorer`: per group 100·Pass / (Pass + High + Low + NodataFailMetric); the
/// summary is the weighted sum of group scores (groups without a weight share what remains of 100
/// equally; groups with only Nodata are left out); a critical metric that is not Pass, or Nodata on
/// half the metrics or more, sets the summary to 0.
public enum KayentaScorer {
    /// A group's score.
    public struct GroupScore: Codable, Sendable, Equatable {
        public var name: String
        public var score: Double
        public var noData: Bool
    }

    public static func score(_ metrics: [KayentaScoredMetric], groupWeights: [String: Double]) -> (score: Double, groups: [GroupScore], reason: String?) {
        var byGroup: [String: [KayentaClassification]] = [:]
        var order: [String] = []
        for m in metrics {
            for g in m.groups {
                if byGroup[g] == nil { order.append(g) }
                byGroup[g, default: []].append(m.classification)
            }
        }
        let groups = order.map { name -> GroupScore in
            let labels = byGroup[name]!
            let pass = labels.filter { $0 == .pass }.count
            let total = labels.filter { $0 == .pass || $0 == .high || $0 == .low || $0 == .nodataFailMetric }.count
            return GroupScore(name: name, score: total > 0 ? 100 * Double(pass) / Double(total) : 0, noData: total == 0)
        }
        let weightSum = groupWeights.values.reduce(0, +)
        let unweighted = Set(order).subtracting(groupWeights.keys)
        let calculated = unweighted.isEmpty ? 0 : (100 - weightSum) / Double(unweighted.count)
        var summary = 0.0
        for g in groups where !g.noData {
            summary += g.score * (groupWeights[g.name] ?? calculated) / 100
        }
        if let failed = metrics.first(where: { $0.critical && $0.classification != .pass }) {
            return (0, groups, "Canary failed: critical metric \(failed.name) was classified \(failed.classification.rawValue).")
        }
        let nodata = metrics.filter { $0.classification == .nodata }.count
        if !metrics.isEmpty && 2 * nodata >= metrics.count {
            return (0, groups, "Canary failed: \(nodata) of \(metrics.count) metrics have no data (50% or more).")
        }
        return (summary, groups, nil)
    }
}
