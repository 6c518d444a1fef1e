import Foundation
public import TollgateCore

/// The kinds of journal event a rollout writes. Raw values are stored and never change.
public enum RunEventKind: String, Sendable, Codable, CaseIterable {
    case runCreated = "run_created"
    case runStarted = "run_started"
    case leaseTaken = "lease_taken"
    case stageStarted = "stage_started"
    case weightSet = "weight_set"
    case check
    case stageCompleted = "stage_completed"
    case awaitingApproval = "awaiting_approval"
    /// An operator's command, written by any process (CLI, API); applied by the engine.
    case command
    case commandApplied = "command_applied"
    case commandRejected = "command_rejected"
    case paused
    case resumed
    case rolledBack = "rolled_back"
    case promoted
    case aborted
    case failed
    case note
    /// An eval suite was run against both versions; its paired pass/fail results feed `quality`.
    case qualityEvaluated = "quality_evaluated"
    /// A `notify:` webhook was told about a stage event (or gave up after its retries).
    case notification
}

/// Operator commands that act on a run through its journal.
public enum OperatorCommand: String, Sendable, Codable, CaseIterable {
    case approve, reject, pause, resume, rollback, abort, promote
}

/// Payloads of the journal events, encoded as JSON objects.
public enum RunEventPayload {
    public struct RunStarted: Codable, Sendable, Equatable {
        public var pipeline: String
        public var target: String
        public var owner: String
        public var stages: [String]
    }

    public struct LeaseTaken: Codable, Sendable, Equatable {
        public var owner: String
        public var tookOverFrom: String?
    }

    public struct StageStarted: Codable, Sendable, Equatable {
        public var stage: Int
        public var name: String
        public var kind: String
        public var weight: Int?
    }

    public struct WeightSet: Codable, Sendable, Equatable {
        public var stage: Int?
        public var weight: Int
        public var router: String
        public var detail: String
    }

    public struct Check: Codable, Sendable, Equatable {
        public var stage: Int
        public var look: Int
        public var decision: String
        public var score: Double?
        public var baselineSamples: Int
        public var candidateSamples: Int
        public var summary: String
        public var verdictID: Int64?
        /// Ids of the rollback rules breached at this check (for "N consecutive checks").
        public var breaches: [String]
        /// Ids of the rollback rules without data at this check (their metrics source read nothing):
        /// their runs of consecutive breaches carry over this check.
        public var unmeasured: [String]? = nil
    }

    public struct StageCompleted: Codable, Sendable, Equatable {
        public var stage: Int
        public var outcome: String
        public var reason: String
    }

    public struct AwaitingApproval: Codable, Sendable, Equatable {
        public var stage: Int
        public var note: String?
    }

    public struct Command: Codable, Sendable, Equatable {
        public var command: OperatorCommand
        public var reason: String?
        /// Who asked: `cli:user@host`, `api`, `alert:<fingerprint>`, `drift:<suite>`.
        public var source: String
        /// For `promote`: skip to the `full` stage instead of the next one.
        public var full: Bool?
        /// Free-form details for the journal (an alert's labels, a drift result).
        public var details: [String: String]?

        public init(command: OperatorCommand, reason: String? = nil, source: String, full: Bool? = nil, details: [String: String]? = nil) {
            self.command = command
            self.reason = reason
            self.source = source
            self.full = full
            self.details = details
        }
    }

    public struct CommandHandled: Codable, Sendable, Equatable {
        /// Sequence number of the `command` event.
        public var commandSeq: Int
        public var command: OperatorCommand
        public var result: String
    }

    public struct Finished: Codable, Sendable, Equatable {
        public var stage: Int?
        public var reason: String
        /// What triggered it (rule, command, alert fingerprint) and the numbers behind it.
        public var trigger: String
        public var numbers: [String: Double]
        public var details: [String: String]?
    }

    public struct Paused: Codable, Sendable, Equatable {
        public var stage: Int?
        public var reason: String
    }

    public struct QualityEvaluated: Codable, Sendable, Equatable {
        /// The suite's path, as the pipeline's `analysis.metrics[].suite` names it.
        public var suite: String
        /// The eval run that stored every case's answers and scores.
        public var evalRunID: String?
        /// Per case (index-aligned), 1 when the version passed it.
        public var baseline: [Double]
        public var candidate: [Double]
        public var summary: String
        /// The suite's `max_drop` when it was evaluated: the judges compare against it, so a resumed
        /// run keeps the margin it was evaluated with even if the suite file changed or is gone
        /// (absent in events journaled before it was recorded).
        public var maxDrop: Tolerance?

        public init(suite: String, evalRunID: String?, baseline: [Double], candidate: [Double], summary: String, maxDrop: Tolerance? = nil) {
            self.suite = suite
            self.evalRunID = evalRunID
            self.baseline = baseline
            self.candidate = candidate
            self.summary = summary
            self.maxDrop = maxDrop
        }
    }

    public struct Note: Codable, Sendable, Equatable {
        public var message: String
    }
}
