import Foundation
import GRDB
public import TollgateCore

/// Scored eval answers.
extension StoreTransaction {
    /// Stores a scored eval answer; the answer passes through `text` (scorers saw the raw one).
    @discardableResult
    public func insertEvalResult(_ result: StoredEvalResult, text: StoredTextPolicy = .standard) throws -> StoredEvalResult {
        var result = result
        result.answer = text.stored(result.answer)
        // Scorer details may quote the answer ("expected …, got …").
        result.details = text.diagnostic(result.details) ?? "[]"
        try result.insert(db)
        return result
    }

    /// A run's eval results in order.
    public func evalResults(runID: String) throws -> [StoredEvalResult] {
        try StoredEvalResult.filter(Column("run_id") == runID).order(Column("id")).fetchAll(db)
    }
}
