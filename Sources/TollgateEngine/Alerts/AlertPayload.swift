public import Foundation
public import TollgateCore

/// One alert as Tollgate handles it, whichever way it arrived.
public struct IncomingAlert: Sendable, Equatable {
    public var fingerprint: String
    /// `firing` or `resolved`.
    public var status: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date?
    public var endsAt: Date?

    public var isFiring: Bool { status == "firing" }
}

/// Why an alert body could not be read: answered with HTTP 400 and changes nothing.
public struct AlertPayloadError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Reads Alertmanager's webhook (version 4) and Tollgate's generic alert form.
public enum AlertPayload {
    struct Webhook: Decodable {
        struct Alert: Decodable {
            var status: String
            var labels: [String: String]
            var annotations: [String: String]?
            var startsAt: String?
            var endsAt: String?
            var fingerprint: String?
        }
        var version: String?
        var status: String?
        var alerts: [Alert]
    }

    struct Generic: Decodable {
        var status: String?
        var labels: [String: String]
        var annotations: [String: String]?
        var fingerprint: String?
        var startsAt: String?
        var endsAt: String?
    }

    /// The alerts of an Alertmanager webhook body (`version: "4"`).
    public static func alertmanager(_ body: Data) throws -> [IncomingAlert] {
        let webhook: Webhook
        do { webhook = try JSONDecoder().decode(Webhook.self, from: body) } catch {
            throw AlertPayloadError(description: "The body is not an Alertmanager webhook (version 4) payload: \(describe(error))")
        }
        if let version = webhook.version, version != "4" {
            throw AlertPayloadError(description: "Alertmanager webhook version \(version) is not supported; Tollgate reads version 4.")
        }
        return try webhook.alerts.map { a in
            try alert(status: a.status, labels: a.labels, annotations: a.annotations ?? [:], fingerprint: a.fingerprint,
                      startsAt: a.startsAt, endsAt: a.endsAt)
        }
    }

    /// One alert in the generic form: `{"labels": {...}, "annotations": {...}, "status": "firing"}`,
    /// or a list of them.
    public static func generic(_ body: Data) throws -> [IncomingAlert] {
        let decoder = JSONDecoder()
        let items: [Generic]
        if let list = try? decoder.decode([Generic].self, from: body) {
            items = list
        } else {
            do { items = [try decoder.decode(Generic.self, from: body)] } catch {
                throw AlertPayloadError(description: "The body must be JSON like {\"labels\": {\"alertname\": \"X\"}, \"status\": \"firing\"}: \(describe(error))")
            }
        }
        return try items.map { g in
            try alert(status: g.status ?? "firing", labels: g.labels, annotations: g.annotations ?? [:], fingerprint: g.fingerprint,
                      startsAt: g.startsAt, endsAt: g.endsAt)
        }
    }

    static func alert(status: String, labels: [String: String], annotations: [String: String], fingerprint: String?,
                      startsAt: String?, endsAt: String?) throws -> IncomingAlert {
        guard status == "firing" || status == "resolved" else {
            throw AlertPayloadError(description: "An alert's status must be 'firing' or 'resolved', not '\(status)'.")
        }
        guard !labels.isEmpty else { throw AlertPayloadError(description: "An alert needs at least one label.") }
        let start = try startsAt.map { try date($0, field: "startsAt") }
        var end = try endsAt.map { try date($0, field: "endsAt") }
        // Alertmanager writes 0001-01-01T00:00:00Z for "no end yet".
        if let e = end, e.timeIntervalSince1970 < 0 { end = nil }
        return IncomingAlert(fingerprint: fingerprint ?? Self.fingerprint(labels), status: status, labels: labels,
                             annotations: annotations, startsAt: start, endsAt: end)
    }

    /// A stable fingerprint of a label set (sorted `name=value` lines, SHA-256, 16 hex digits).
    public static func fingerprint(_ labels: [String: String]) -> String {
        let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        return String(SHA256Hex.digest(Data(text.utf8)).prefix(16))
    }

    static func date(_ text: String, field: String) throws -> Date {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withFraction.date(from: text) ?? ISO8601DateFormatter().date(from: text) { return d }
        // Alertmanager sends nanoseconds; trim the fraction to milliseconds.
        if let dot = text.firstIndex(of: "."), let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            let trimmed = String(text[..<dot]) + "." + String(text[text.index(after: dot)..<zone].prefix(3)) + String(text[zone...])
            if let d = withFraction.date(from: trimmed) { return d }
        }
        throw AlertPayloadError(description: "'\(field)' is not an RFC 3339 time: \(text)")
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted:
            return "not valid JSON"
        default:
            return "\(error)"
        }
    }
}

extension AlertMatcher {
    /// Whether a label set satisfies this matcher (a missing label is the empty string, as in Alertmanager).
    public func matches(_ labels: [String: String]) -> Bool {
        let value = labels[label] ?? ""
        switch op {
        case .equal: return value == self.value
        case .notEqual: return value != self.value
        case .matches, .notMatches:
            let anchored = (try? NSRegularExpression(pattern: "^(?:\(self.value))$"))
            let hit = anchored?.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
            return op == .matches ? hit : !hit
        }
    }
}

extension AlertPayloadError: ClassifiedError {
    /// An alert body that cannot be read is the sender's to fix.
    public var kind: FailureKind { .badInput }
}
