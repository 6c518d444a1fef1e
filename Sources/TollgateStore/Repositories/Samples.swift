public import Foundation
import GRDB
public import TollgateCore

/// Samples (one request to one arm) and the live-canary copy.
extension StoreTransaction {
    /// Inserts samples with one prepared statement reused for the whole batch; their answer text
    /// and error message pass through `text` first (redacted unless the caller says otherwise).
    public func insertSamples(_ samples: [Sample], runID: String, stage: Int?, text: StoredTextPolicy = .standard) throws {
        for sample in samples {
            var row = SampleRow(sample, runID: runID, stage: stage)
            row.responseText = text.stored(row.responseText)
            row.errorMessage = text.diagnostic(row.errorMessage)
            try row.insert(db)
        }
    }

    /// A run's samples, optionally of one stage and one arm, in insertion order.
    public func samples(runID: String, stage: Int? = nil, arm: Arm? = nil) throws -> [Sample] {
        var request = SampleRow.filter(Column("run_id") == runID)
        if let stage { request = request.filter(Column("stage") == stage) }
        if let arm { request = request.filter(Column("arm") == arm.rawValue) }
        return try request.order(Column("id")).fetchAll(db).map(\.sample)
    }

    /// Copies into `runID`'s `stage` the samples `sourceRunID` has written since the last copy
    /// into that stage, and returns how many: the samples a live canary judges, from the gateway's run.
    ///
    /// New means a row id above the highest one already copied, not a later start time: the
    /// gateway writes a sample when its request ends, so a slow request is written after faster
    /// ones that started later, and must still be copied. Each copy names its source row (a
    /// unique index), so no sample is copied twice. Only samples that started at or after
    /// `startedSince` (the stage's start) and were not served to the `shadow` arm are copied.
    /// Their text passes through `text`, the receiving run's policy (the gateway may keep more
    /// than the rollout's pipeline allows: a pipeline in mode `none` gets no text at all).
    @discardableResult
    public func copyNewSamples(from sourceRunID: String, to runID: String, stage: Int, startedSince: Date,
                               text: StoredTextPolicy = .standard) throws -> Int {
        let cursor = try Int64.fetchOne(db, sql: "SELECT MAX(source_sample_id) FROM samples WHERE run_id = ? AND stage = ?",
                                        arguments: [runID, stage]) ?? 0
        let fresh = try SampleRow
            .filter(Column("run_id") == sourceRunID && Column("id") > cursor && Column("started_at") >= startedSince
                && Column("arm") != Arm.shadow.rawValue)
            .order(Column("id")).fetchAll(db)
        for var row in fresh {
            row.sourceSampleId = row.id
            row.id = nil
            row.runId = runID
            row.stage = stage
            row.responseText = text.stored(row.responseText)
            row.errorMessage = text.diagnostic(row.errorMessage)
            try row.insert(db)
        }
        return fresh.count
    }

    /// Number of samples per arm of a run (and stage).
    public func sampleCounts(runID: String, stage: Int? = nil) throws -> [Arm: Int] {
        var sql = "SELECT arm, COUNT(*) FROM samples WHERE run_id = ?"
        var arguments: StatementArguments = [runID]
        if let stage {
            sql += " AND stage = ?"
            arguments += [stage]
        }
        sql += " GROUP BY arm"
        var counts: [Arm: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            if let arm = Arm(rawValue: row[0]) { counts[arm] = row[1] }
        }
        return counts
    }
}
