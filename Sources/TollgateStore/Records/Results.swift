public import Foundation
public import GRDB

/// A judge's verdict at one check of a stage, with its full explanation as JSON.
public struct StoredVerdict: Codable, Sendable, Equatable {
    public var id: Int64?
    public var runId: String
    public var stage: Int?
    public var at: Date
    /// `promote`, `hold` or `rollback`.
    public var decision: String
    public var score: Double?
    /// The verdict's JSON (per metric estimates, intervals, reasons).
    public var payload: String

    public init(id: Int64? = nil, runId: String, stage: Int?, at: Date, decision: String, score: Double?, payload: String) {
        self.id = id
        self.runId = runId
        self.stage = stage
        self.at = at
        self.decision = decision
        self.score = score
        self.payload = payload
    }
}

extension StoredVerdict: FetchableRecord, MutablePersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "verdicts"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An action taken on a run (advance, rollback, promotion, pause…) and why.
public struct StoredDecision: Codable, Sendable, Equatable {
    public var id: Int64?
    public var runId: String
    public var stage: Int?
    public var at: Date
    public var action: String
    public var reason: String
    /// The numbers that led to it, as JSON.
    public var payload: String

    public init(id: Int64? = nil, runId: String, stage: Int?, at: Date, action: String, reason: String, payload: String) {
        self.id = id
        self.runId = runId
        self.stage = stage
        self.at = at
        self.action = action
        self.reason = reason
        self.payload = payload
    }
}

extension StoredDecision: FetchableRecord, MutablePersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "decisions"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An alert received from Alertmanager or the generic alert API, kept whole.
public struct StoredAlert: Codable, Sendable, Equatable {
    public var id: Int64?
    public var fingerprint: String
    /// `firing` or `resolved`.
    public var status: String
    /// JSON object of label name to value.
    public var labels: String
    public var annotations: String
    public var startsAt: Date?
    public var endsAt: Date?
    public var receivedAt: Date
    /// `alertmanager` or `generic`.
    public var source: String
    /// The request body it arrived in.
    public var raw: String
    /// `fingerprint|status|startsAt`: the same alert sent again has the same key and is stored once.
    public var dedupeKey: String

    public init(id: Int64? = nil, fingerprint: String, status: String, labels: String, annotations: String,
                startsAt: Date?, endsAt: Date?, receivedAt: Date, source: String, raw: String) {
        self.dedupeKey = "\(fingerprint)|\(status)|\(startsAt.map { String($0.timeIntervalSince1970) } ?? "-")"
        self.id = id
        self.fingerprint = fingerprint
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.receivedAt = receivedAt
        self.source = source
        self.raw = raw
    }
}

extension StoredAlert: FetchableRecord, MutablePersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "alerts"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One eval case's outcome on one arm and repetition.
public struct StoredEvalResult: Codable, Sendable, Equatable {
    public var id: Int64?
    public var runId: String
    public var suite: String
    public var caseId: String
    public var arm: String
    public var repetition: Int
    public var passed: Bool
    public var score: Double
    public var answer: String?
    /// Per-scorer results as JSON.
    public var details: String

    public init(id: Int64? = nil, runId: String, suite: String, caseId: String, arm: String, repetition: Int,
                passed: Bool, score: Double, answer: String?, details: String) {
        self.id = id
        self.runId = runId
        self.suite = suite
        self.caseId = caseId
        self.arm = arm
        self.repetition = repetition
        self.passed = passed
        self.score = score
        self.answer = answer
        self.details = details
    }
}

extension StoredEvalResult: FetchableRecord, MutablePersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "eval_results"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One drift-suite run's verdict, with the per-feature results as JSON.
public struct StoredDriftResult: Codable, Sendable, Equatable {
    public var id: Int64?
    public var suite: String
    public var runId: String?
    public var at: Date
    public var drifted: Bool
    /// One line naming the drifted features (or "no drift").
    public var summary: String
    public var payload: String

    public init(id: Int64? = nil, suite: String, runId: String?, at: Date, drifted: Bool, summary: String, payload: String) {
        self.id = id
        self.suite = suite
        self.runId = runId
        self.at = at
        self.drifted = drifted
        self.summary = summary
        self.payload = payload
    }
}

extension StoredDriftResult: FetchableRecord, MutablePersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "drift_results"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
