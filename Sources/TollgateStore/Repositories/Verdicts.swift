import Foundation
import GRDB
import TollgateCore

/// Verdicts (what the judge said) and decisions (what the run did).
extension StoreTransaction {
    /// Stores a verdict (what a judge said at one check) and returns it with its row id.
    @discardableResult
    public func insertVerdict(_ verdict: StoredVerdict) throws -> StoredVerdict {
        var verdict = verdict
        try verdict.insert(db)
        return verdict
    }

    /// A run's verdicts in order, optionally of one stage.
    public func verdicts(runID: String, stage: Int? = nil) throws -> [StoredVerdict] {
        var request = StoredVerdict.filter(Column("run_id") == runID)
        if let stage { request = request.filter(Column("stage") == stage) }
        return try request.order(Column("id")).fetchAll(db)
    }

    /// Stores a decision (what the run did after a check) and returns it with its row id.
    @discardableResult
    public func insertDecision(_ decision: StoredDecision) throws -> StoredDecision {
        var decision = decision
        try decision.insert(db)
        return decision
    }

    /// A run's decisions in order.
    public func decisions(runID: String) throws -> [StoredDecision] {
        try StoredDecision.filter(Column("run_id") == runID).order(Column("id")).fetchAll(db)
    }

    /// Counts of decisions by action, over all runs.
    public func decisionCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT action, COUNT(*) FROM decisions GROUP BY action") { counts[row[0]] = row[1] }
        return counts
    }
}
