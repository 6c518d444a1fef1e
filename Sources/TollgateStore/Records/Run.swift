public import Foundation
public import GRDB

/// Where a run is in its life. Terminal states never change again. The stored status of a run
/// and the phase its journal folds to (``RunState``) are both this type.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    /// A rollout whose journal holds only its creation (the row says `running` from the start).
    case created
    case running
    case paused
    case awaitingApproval = "awaiting_approval"
    case promoted
    case rolledBack = "rolled_back"
    case aborted
    case failed
    case completed

    /// Whether the run has ended (no more transitions are allowed).
    public var isTerminal: Bool {
        switch self {
        case .promoted, .rolledBack, .aborted, .failed, .completed: return true
        case .created, .running, .paused, .awaitingApproval: return false
        }
    }
}

/// What started a run: a rollout, or one of the standalone measuring commands.
public enum RunKind: String, Codable, Sendable, CaseIterable {
    case rollout, replay, shadow, eval, drift, gateway
    /// `tollgate qualify`: one version measured against its pipeline's checklist.
    case qualify

    /// The journal event of a `qualify` run that holds its whole report (JSON).
    public static let qualificationReportEvent = "qualify.report"
}

/// What a caller supplies to create a run.
public struct NewRun: Sendable {
    public var kind: RunKind
    public var name: String
    /// What the run acts on (a model name or router), for the one-active-run-per-target lease.
    public var target: String?
    public var pipelinePath: String?
    /// The pipeline file's text as it was when the run started, so its criteria cannot change under it.
    public var pipelineText: String?
    public var baselineVersion: String?
    public var candidateVersion: String?
    public var status: RunStatus
    /// How long the run's samples and texts are kept (its pipeline's `security.logging.retention`);
    /// nil leaves it to `tollgate prune --retention` / `TOLLGATE_RETENTION`.
    public var retention: Duration?

    public init(
        kind: RunKind, name: String, target: String? = nil, pipelinePath: String? = nil,
        pipelineText: String? = nil, baselineVersion: String? = nil, candidateVersion: String? = nil,
        status: RunStatus = .running, retention: Duration? = nil
    ) {
        self.retention = retention
        self.kind = kind
        self.name = name
        self.target = target
        self.pipelinePath = pipelinePath
        self.pipelineText = pipelineText
        self.baselineVersion = baselineVersion
        self.candidateVersion = candidateVersion
        self.status = status
    }
}

/// A run as stored: identity, the pipeline snapshot and its hash, status and times.
public struct Run: Codable, Sendable, Equatable {
    public var id: String
    public var kind: RunKind
    public var name: String
    public var target: String?
    public var pipelinePath: String?
    public var pipelineText: String?
    /// SHA-256 of `pipelineText`, hex.
    public var pipelineSha256: String?
    public var baselineVersion: String?
    public var candidateVersion: String?
    public var status: RunStatus
    public var outcome: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
}

extension Run: FetchableRecord, PersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "runs"
}

/// One entry of a run's append-only journal: what happened, when, with a JSON payload.
public struct JournalEvent: Codable, Sendable, Equatable {
    public var runId: String
    /// 1, 2, 3… without gaps within a run.
    public var seq: Int
    public var at: Date
    public var kind: String
    /// A JSON object.
    public var payload: String
}

extension JournalEvent: FetchableRecord, PersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "events"
}

extension JournalEvent {
    /// The payload decoded as `type` (stored JSON: ISO 8601 dates); throws when it is not one.
    public func payload<T: Decodable>(as type: T.Type) throws -> T {
        try StoredJSON.decode(type, from: payload)
    }
}

/// A stage of a run as stored (index in the pipeline, kind, weight, status, times).
public struct StageRecord: Codable, Sendable, Equatable {
    public var runId: String
    public var idx: Int
    public var kind: String
    public var name: String
    public var weight: Int?
    public var status: String
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(runId: String, idx: Int, kind: String, name: String, weight: Int?, status: String, startedAt: Date?, finishedAt: Date?) {
        self.runId = runId
        self.idx = idx
        self.kind = kind
        self.name = name
        self.weight = weight
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension StageRecord: FetchableRecord, PersistableRecord, SnakeCaseColumns {
    public static let databaseTableName = "stages"
}
