/// Corrections of a family of p-values for multiple comparisons.
public enum MultipleTesting {
    /// A correction method.
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Holm's step-down method, controls the family-wise error rate.
        case holm
        /// Benjamini–Hochberg, controls the false discovery rate
        /// (`scipy.stats.false_discovery_control(method='bh')`).
        case benjaminiHochberg = "bh"
    }

    /// Adjusted p-values in the input order; a hypothesis is rejected at level α when its adjusted
    /// p-value is ≤ α.
    public static func adjust(_ pValues: [Double], method: Method) throws -> [Double] {
        try Validate.finite(pValues, name: "The p-values")
        for p in pValues { try Validate.probability(p, name: "Each p-value") }
        let m = pValues.count
        if m == 0 { return [] }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        switch method {
        case .holm:
            var running = 0.0
            for (rank, index) in order.enumerated() {
                running = max(running, min(1, Double(m - rank) * pValues[index]))
                adjusted[index] = running
            }
        case .benjaminiHochberg:
            var running = 1.0
            for rank in stride(from: m - 1, through: 0, by: -1) {
                let index = order[rank]
                running = min(running, min(1, Double(m) / Double(rank + 1) * pValues[index]))
                adjusted[index] = running
            }
        }
        return adjusted
    }
}
