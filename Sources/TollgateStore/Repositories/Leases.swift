public import Foundation
public import GRDB

/// The row that makes one run the only active run of a target (one model, one router).
public struct Lease: Codable, Sendable, Equatable {
    public var target: String
    public var runId: String
    /// `host:pid` of the process that holds it.
    public var owner: String
    public var heartbeatAt: Date
    public var expiresAt: Date
}

extension Lease: FetchableRecord, PersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "leases"
}

/// What came of asking for a lease.
public enum LeaseOutcome: Sendable, Equatable {
    /// The caller holds the lease now (new, renewed, or taken over from an expired holder).
    case acquired(Lease, tookOverFrom: String?)
    /// Another live process holds it.
    case heldByOther(Lease)
}

extension StoreTransaction {
    /// Takes the target's lease for `runID` unless another owner holds an unexpired one.
    /// A lease held by the same run and owner (a resume), expired, or held by an owner that
    /// `ownerIsGone` says no longer exists (a process on this host that died) is taken over.
    public func acquireLease(target: String, runID: String, owner: String, ttl: TimeInterval, now: Date = Date(),
                             ownerIsGone: (String) -> Bool = { _ in false }) throws -> LeaseOutcome {
        let fresh = Lease(target: target, runId: runID, owner: owner, heartbeatAt: now, expiresAt: now.addingTimeInterval(ttl))
        if let existing = try Lease.fetchOne(db, key: target) {
            let sameHolder = existing.runId == runID && existing.owner == owner
            if !sameHolder, existing.expiresAt > now, !ownerIsGone(existing.owner) {
                // A different run, or the same run driven by another live process.
                return .heldByOther(existing)
            }
            try fresh.update(db)
            return .acquired(fresh, tookOverFrom: sameHolder ? nil : existing.owner)
        }
        try fresh.insert(db)
        return .acquired(fresh, tookOverFrom: nil)
    }

    /// Extends the lease; returns false when the caller no longer holds it.
    public func renewLease(target: String, runID: String, owner: String, ttl: TimeInterval, now: Date = Date()) throws -> Bool {
        try db.execute(sql: "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE target = ? AND run_id = ? AND owner = ?",
                       arguments: [now, now.addingTimeInterval(ttl), target, runID, owner])
        return db.changesCount == 1
    }

    /// Gives the lease up (the run ended or was handed over).
    public func releaseLease(target: String, runID: String) throws {
        try db.execute(sql: "DELETE FROM leases WHERE target = ? AND run_id = ?", arguments: [target, runID])
    }

    /// The lease of a target, if any.
    public func lease(target: String) throws -> Lease? {
        try Lease.fetchOne(db, key: target)
    }
}
