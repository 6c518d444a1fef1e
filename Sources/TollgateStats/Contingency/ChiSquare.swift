import Foundation

/// Pearson's chi-square test of independence on a contingency table, as
/// `scipy.stats.chi2_contingency` with its default `correction=True`: with one degree of freedom
/// (a 2×2 table) each observed count moves half a unit towards its expected count (Yates).
public enum ChiSquare {
    /// Tests independence of rows and columns of a 2×2 table.
    public static func test(_ table: TwoByTwo, correction: Bool = true) throws -> TestResult {
        try table.validate()
        return try test(rows: [[Double(table.a), Double(table.b)], [Double(table.c), Double(table.d)]], correction: correction)
    }

    /// Tests independence of rows and columns of an r×c table of counts.
    public static func test(rows: [[Double]], correction: Bool = true) throws -> TestResult {
        guard let width = rows.first?.count, width >= 1, rows.allSatisfy({ $0.count == width }) else {
            throw StatsError.invalidParameter("A contingency table needs rows of equal, non-zero length.")
        }
        for row in rows { try Validate.finite(row, name: "The table") }
        if rows.joined().contains(where: { $0 < 0 }) {
            throw StatsError.invalidParameter("Table counts must be non-negative.")
        }
        let rowSums = rows.map { $0.reduce(0, +) }
        let colSums = (0..<width).map { j in rows.reduce(0) { $0 + $1[j] } }
        let total = rowSums.reduce(0, +)
        let dof = (rows.count - 1) * (width - 1)
        if rowSums.contains(0) || colSums.contains(0) {
            throw StatsError.degenerate("A row or column of the table sums to zero, so expected counts are zero and the chi-square test is undefined.")
        }
        if dof == 0 {
            return TestResult(method: "chi2", statistic: 0, pValue: 1, details: ["dof": 0])
        }
        var statistic = 0.0
        for i in rows.indices {
            for j in 0..<width {
                let expected = rowSums[i] * colSums[j] / total
                var observed = rows[i][j]
                if correction && dof == 1 {
                    let diff = expected - observed
                    observed += min(0.5, abs(diff)) * (diff > 0 ? 1 : (diff < 0 ? -1 : 0))
                }
                statistic += (observed - expected) * (observed - expected) / expected
            }
        }
        let p = GammaFunctions.chiSquareSF(statistic, df: Double(dof))
        return TestResult(method: correction && dof == 1 ? "chi2-yates" : "chi2", statistic: statistic, pValue: p,
                          details: ["dof": Double(dof)])
    }
}
