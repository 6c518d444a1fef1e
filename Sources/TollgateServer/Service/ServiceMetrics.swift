import Foundation
import NIOConcurrencyHelpers
import TollgateStore

/// Counters of what the service received since it started (the database holds the rest).
final class ServiceCounters: Sendable {
    struct Values {
        var received = 0, duplicates = 0, malformed = 0, rollbacks = 0
        /// Requests refused with 401 (no token, or a wrong one).
        var authFailures = 0
        /// Auth failures not yet logged, and when the last log line about them was written.
        var unloggedAuthFailures = 0
        var lastAuthLog: Date?
    }
    private let values = NIOLockedValueBox(Values())

    /// How often at most a line about refused tokens is logged: a flood of wrong tokens is one
    /// line per interval (with its count), not one per request.
    static let authLogInterval: TimeInterval = 10

    /// Counts a request refused for its token; returns how many refusals to log now (this one and
    /// those not logged yet), or nil while the last log line is less than ``authLogInterval`` old.
    func noteAuthFailure(now: Date = Date()) -> Int? {
        values.withLockedValue { v -> Int? in
            v.authFailures += 1
            v.unloggedAuthFailures += 1
            if let last = v.lastAuthLog, now.timeIntervalSince(last) < Self.authLogInterval { return nil }
            let due = v.unloggedAuthFailures
            v.unloggedAuthFailures = 0
            v.lastAuthLog = now
            return due
        }
    }

    func add(received: Int = 0, duplicates: Int = 0, rollbacks: Int = 0, malformedAlerts: Int = 0) {
        values.withLockedValue {
            $0.received += received
            $0.duplicates += duplicates
            $0.rollbacks += rollbacks
            $0.malformed += malformedAlerts
        }
    }

    var snapshot: Values { values.withLockedValue { $0 } }
}

/// `/metrics` of `tollgate serve`, in Prometheus' text format: runs by status, decisions by
/// action, alerts stored and acted on, drift results, and this process's alert counters.
enum ServiceMetrics {
    static func text(store: RunStore, counters: ServiceCounters) -> String {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        let snapshot = try? store.read { tx in
            (try tx.runCounts(), try tx.decisionCounts(), try tx.alertCounts(), try tx.driftCounts())
        }
        if let (runs, decisions, alerts, drift) = snapshot {
            family("tollgate_runs", "gauge", "Runs recorded, by status.", runs.sorted { $0.key < $1.key }.map { ("{status=\"\($0.key)\"}", $0.value) })
            family("tollgate_decisions_total", "counter", "Decisions taken on runs, by action.", decisions.sorted { $0.key < $1.key }.map { ("{action=\"\($0.key)\"}", $0.value) })
            family("tollgate_alerts_stored_total", "counter", "Distinct alerts stored, by status.", alerts.byStatus.sorted { $0.key < $1.key }.map { ("{status=\"\($0.key)\"}", $0.value) })
            family("tollgate_alerts_acted_on_total", "counter", "Alerts that rolled back at least one run.", [("", alerts.actedOn)])
            family("tollgate_drift_results_total", "counter", "Drift suite results, by verdict.", [("{drifted=\"false\"}", drift.clean), ("{drifted=\"true\"}", drift.drifted)])
        }
        let c = counters.snapshot
        family("tollgate_alerts_received_total", "counter", "Alerts received by this process (re-sends included).", [("", c.received)])
        family("tollgate_alerts_duplicate_total", "counter", "Alerts received again (Alertmanager re-sends), stored once.", [("", c.duplicates)])
        family("tollgate_alert_payloads_malformed_total", "counter", "Alert requests refused with 400.", [("", c.malformed)])
        family("tollgate_alert_rollbacks_total", "counter", "Rollbacks requested by alerts in this process.", [("", c.rollbacks)])
        family("tollgate_auth_failures_total", "counter", "Requests refused with 401 (no token or a wrong one) by this process.", [("", c.authFailures)])
        return lines.joined(separator: "\n") + "\n"
    }
}
