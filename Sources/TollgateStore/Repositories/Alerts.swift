public import Foundation
import GRDB
public import TollgateCore

/// Alerts received and the runs they acted on.
extension StoreTransaction {
    /// Stores an alert with its annotations and raw body redacted (`text`).
    @discardableResult
    public func insertAlert(_ alert: StoredAlert, text: StoredTextPolicy = .standard) throws -> StoredAlert {
        var alert = alert
        alert.annotations = text.diagnostic(alert.annotations) ?? "{}"
        alert.raw = text.diagnostic(alert.raw) ?? "{}"
        try alert.insert(db)
        return alert
    }

    /// Stores an alert unless the same one (same dedupe key) is already stored; returns the
    /// stored row and whether it is new.
    public func insertAlertOnce(_ alert: StoredAlert, text: StoredTextPolicy = .standard) throws -> (alert: StoredAlert, isNew: Bool) {
        if let existing = try StoredAlert.filter(Column("dedupe_key") == alert.dedupeKey).fetchOne(db) {
            return (existing, false)
        }
        return (try insertAlert(alert, text: text), true)
    }

    /// Records that an alert acted on a run; false when it already had (idempotent re-sends).
    public func recordAlertAction(alertID: Int64, runID: String, action: String, at date: Date = Date()) throws -> Bool {
        try db.execute(sql: "INSERT OR IGNORE INTO alert_actions (alert_id, run_id, at, action) VALUES (?, ?, ?, ?)",
                       arguments: [alertID, runID, date, action])
        return db.changesCount == 1
    }

    /// Counts of alerts by status, and of alerts that acted on a run.
    public func alertCounts() throws -> (byStatus: [String: Int], actedOn: Int) {
        var byStatus: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM alerts GROUP BY status") { byStatus[row[0]] = row[1] }
        let acted = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT alert_id) FROM alert_actions") ?? 0
        return (byStatus, acted)
    }

    /// Alerts received, newest first.
    public func alerts(limit: Int? = nil) throws -> [StoredAlert] {
        var request = StoredAlert.order(Column("id").desc)
        if let limit { request = request.limit(limit) }
        return try request.fetchAll(db)
    }
}
