public import Foundation
import GRDB
import TollgateCore

/// The drift scheduler's record of what it started, skipped and caught up.
extension StoreTransaction {
    /// Records what the drift scheduler did for a suite (`started`, `skipped_overlap`, `caught_up`, `failed`).
    public func recordScheduleEvent(suite: String, kind: String, detail: String, at date: Date = Date()) throws {
        try db.execute(sql: "INSERT INTO schedule_events (suite, at, kind, detail) VALUES (?, ?, ?, ?)",
                       arguments: [suite, date, kind, detail])
    }

    /// The scheduler's events for a suite, oldest first.
    public func scheduleEvents(suite: String) throws -> [(at: Date, kind: String, detail: String)] {
        try Row.fetchAll(db, sql: "SELECT at, kind, detail FROM schedule_events WHERE suite = ? ORDER BY id", arguments: [suite])
            .map { ($0["at"], $0["kind"], $0["detail"]) }
    }

    /// When the scheduler last started a run of the suite, if ever.
    public func lastScheduledRun(suite: String) throws -> Date? {
        try Date.fetchOne(db, sql: "SELECT MAX(at) FROM schedule_events WHERE suite = ? AND kind IN ('started', 'caught_up')", arguments: [suite])
    }
}
