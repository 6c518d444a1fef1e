import Foundation
import GRDB
import TollgateCore

/// Drift suite results.
extension StoreTransaction {
    /// Stores a drift suite's result and returns it with its row id.
    @discardableResult
    public func insertDriftResult(_ result: StoredDriftResult) throws -> StoredDriftResult {
        var result = result
        try result.insert(db)
        return result
    }

    /// A drift suite's results, newest first.
    public func driftResults(suite: String, limit: Int? = nil) throws -> [StoredDriftResult] {
        var request = StoredDriftResult.filter(Column("suite") == suite).order(Column("at").desc, Column("id").desc)
        if let limit { request = request.limit(limit) }
        return try request.fetchAll(db)
    }

    /// Drift results by verdict.
    public func driftCounts() throws -> (clean: Int, drifted: Int) {
        let drifted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM drift_results WHERE drifted") ?? 0
        let all = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM drift_results") ?? 0
        return (all - drifted, drifted)
    }
}
