import Foundation
import Testing
import TollgateCore
import TollgateEngine

@Suite struct AlertMatchingTests {
    let labels = ["alertname": "ModelHighErrorRate", "model": "support-chat", "severity": "page"]

    @Test func everyOperatorMatchesAsAlertmanagerDoes() {
        #expect(AlertMatcher(label: "model", op: .equal, value: "support-chat").matches(labels))
        #expect(!AlertMatcher(label: "model", op: .equal, value: "support").matches(labels))
        #expect(AlertMatcher(label: "severity", op: .notEqual, value: "info").matches(labels))
        #expect(!AlertMatcher(label: "severity", op: .notEqual, value: "page").matches(labels))
        // Regular expressions are anchored at both ends.
        #expect(AlertMatcher(label: "severity", op: .matches, value: "critical|page").matches(labels))
        #expect(!AlertMatcher(label: "model", op: .matches, value: "support").matches(labels))
        #expect(AlertMatcher(label: "model", op: .notMatches, value: "dev-.*").matches(labels))
        #expect(!AlertMatcher(label: "model", op: .notMatches, value: "support-.*").matches(labels))
        // A missing label is the empty string.
        #expect(AlertMatcher(label: "env", op: .equal, value: "").matches(labels))
        #expect(!AlertMatcher(label: "env", op: .matches, value: ".+").matches(labels))
    }

    @Test func alertmanagerPayloadsAreReadWithTheirTimesAndFingerprints() throws {
        let body = #"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"X"},"startsAt":"2026-11-29T23:53:02.456723894Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"02213eea915c8e7b"}]}"#
        let alerts = try AlertPayload.alertmanager(Data(body.utf8))
        #expect(alerts.count == 1)
        #expect(alerts[0].fingerprint == "02213eea915c8e7b")
        #expect(alerts[0].endsAt == nil)
        #expect(abs((alerts[0].startsAt?.timeIntervalSince1970 ?? 0) - 1_795_996_382.456) < 0.001)
        #expect(throws: AlertPayloadError.self) { _ = try AlertPayload.alertmanager(Data(#"{"version":"5","alerts":[]}"#.utf8)) }
        // The generic form gets a stable fingerprint from its labels.
        let a = try AlertPayload.generic(Data(#"{"labels":{"b":"2","a":"1"}}"#.utf8))
        let b = try AlertPayload.generic(Data(#"{"labels":{"a":"1","b":"2"}}"#.utf8))
        #expect(a[0].fingerprint == b[0].fingerprint)
        #expect(a[0].status == "firing")
    }
}
