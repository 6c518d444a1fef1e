public import Foundation
import GRDB
import TollgateCore

/// A run's journal: append-only events numbered without gaps.
extension StoreTransaction {
    /// Appends an event with the next sequence number of the run's journal.
    @discardableResult
    public func appendEvent(runID: String, kind: String, payload: some Encodable, at date: Date = Date()) throws -> JournalEvent {
        let last = try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM events WHERE run_id = ?", arguments: [runID]) ?? 0
        let event = JournalEvent(runId: runID, seq: last + 1, at: date, kind: kind, payload: try StoredJSON.encode(payload))
        try event.insert(db)
        try db.execute(sql: "UPDATE runs SET updated_at = ? WHERE id = ?", arguments: [date, runID])
        return event
    }

    /// A run's journal in order; `after` skips events up to and including that sequence number.
    public func events(runID: String, after: Int = 0) throws -> [JournalEvent] {
        try JournalEvent
            .filter(Column("run_id") == runID && Column("seq") > after)
            .order(Column("seq"))
            .fetchAll(db)
    }
}
