public import Foundation
import NIOConcurrencyHelpers
import TollgateCore
public import TollgateStore

/// Takes alerts in: stores every one (once, however often Alertmanager re-sends it), and for a
/// firing alert asks every active rollout whose `rollback.on` alert rule matches it to roll back.
/// The engine driving the run applies the rollback within its poll interval (weight 0 first).
public final class AlertIntake: Sendable {
    public let store: RunStore
    /// The alert rules of each run's pipeline snapshot, parsed once (snapshots never change).
    private let rulesByRun = NIOLockedValueBox<[String: [[AlertMatcher]]]>([:])

    public init(store: RunStore) {
        self.store = store
    }

    /// What became of one alert.
    public struct Result: Sendable, Codable, Equatable {
        public var fingerprint: String
        public var status: String
        /// False when the same alert was already stored (a re-send).
        public var stored: Bool
        /// Runs asked to roll back because of it (new requests only).
        public var rolledBack: [String]
    }

    /// Stores and acts on a batch of alerts; `raw` is the body they came in, kept with each.
    public func receive(_ alerts: [IncomingAlert], raw: String, source: String, now: Date = Date()) throws -> [Result] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var results: [Result] = []
        for alert in alerts {
            let labels = String(decoding: try encoder.encode(alert.labels), as: UTF8.self)
            let annotations = String(decoding: try encoder.encode(alert.annotations), as: UTF8.self)
            let result = try store.write { tx -> Result in
                let (row, isNew) = try tx.insertAlertOnce(StoredAlert(
                    fingerprint: alert.fingerprint, status: alert.status, labels: labels, annotations: annotations,
                    startsAt: alert.startsAt, endsAt: alert.endsAt, receivedAt: now, source: source, raw: raw))
                var rolledBack: [String] = []
                if alert.isFiring, let alertID = row.id {
                    // The runs table carries each run's status (terminal states are written with the
                    // final journal event), so no journal needs folding here.
                    for run in try tx.runs(statuses: [.running, .paused, .awaitingApproval], kinds: [.rollout]) {
                        guard let rule = matchingRule(run: run, labels: alert.labels) else { continue }
                        // One rollback request per alert and run, however often the alert is re-sent.
                        guard try tx.recordAlertAction(alertID: alertID, runID: run.id, action: "rollback", at: now) else { continue }
                        var details = alert.labels
                        details["fingerprint"] = alert.fingerprint
                        details["matched_rule"] = rule.map(\.description).joined(separator: ",")
                        let summary = alert.annotations["summary"] ?? alert.labels["alertname"] ?? alert.fingerprint
                        try tx.appendEvent(runID: run.id, kind: RunEventKind.command.rawValue, payload: RunEventPayload.Command(
                            command: .rollback, reason: "alert \(summary) (\(alert.fingerprint)) is firing",
                            source: "alert:\(alert.fingerprint)", details: details), at: now)
                        rolledBack.append(run.id)
                    }
                }
                return Result(fingerprint: alert.fingerprint, status: alert.status, stored: isNew, rolledBack: rolledBack)
            }
            results.append(result)
        }
        return results
    }

    /// The first `alert` rollback rule of the run's pipeline snapshot that the labels satisfy.
    func matchingRule(run: Run, labels: [String: String]) -> [AlertMatcher]? {
        let rules = rulesByRun.withLockedValue { cache -> [[AlertMatcher]] in
            if let known = cache[run.id] { return known }
            var parsed: [[AlertMatcher]] = []
            if let pipeline = try? RolloutEngine.pipeline(of: run) {
                for case .alert(let matchers) in pipeline.rollback.rules { parsed.append(matchers) }
            }
            cache[run.id] = parsed
            return parsed
        }
        return rules.first { $0.allSatisfy { $0.matches(labels) } }
    }
}
