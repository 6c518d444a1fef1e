public import Foundation
import GRDB

/// One state-changing API call as the audit trail keeps it: which token (by name, never its
/// value), what (method and path, the answer's status, a short detail), when.
public struct AuditEvent: Sendable, Codable, Equatable {
    public var at: Date
    public var token: String
    public var method: String
    public var path: String
    public var status: Int
    public var detail: String

    public init(at: Date, token: String, method: String, path: String, status: Int, detail: String = "") {
        self.at = at
        self.token = token
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
    }
}

extension RunStore {
    /// Appends an event to the audit trail.
    public func recordAudit(_ event: AuditEvent) throws {
        try write { tx in
            try tx.db.execute(sql: "INSERT INTO audit_events (at, token, method, path, status, detail) VALUES (?, ?, ?, ?, ?, ?)",
                              arguments: [event.at, event.token, event.method, event.path, event.status, event.detail])
        }
    }

    /// The audit trail, newest first.
    public func auditEvents(limit: Int = 100) throws -> [AuditEvent] {
        try read { tx in
            try Row.fetchAll(tx.db, sql: "SELECT at, token, method, path, status, detail FROM audit_events ORDER BY id DESC LIMIT ?",
                             arguments: [limit]).map {
                AuditEvent(at: $0[0], token: $0[1], method: $0[2], path: $0[3], status: $0[4], detail: $0[5])
            }
        }
    }
}
