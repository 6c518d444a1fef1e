public import Foundation
import TollgateCore

/// Everything a report shows about one run, built from the store by ``ReportBuilder`` and drawn
/// by the HTML, Markdown and JSON renderers. Plots are already downsampled here, so the model's
/// size does not grow with the number of samples.
public struct RunReportModel: Codable, Sendable, Equatable {
    public var generatedAt: Date
    public var header: ReportHeader
    /// Candidate weight, stages, checks and annotations over time (rollouts).
    public var timeline: ReportTimeline?
    /// One section per stage of a rollout, or one section for a standalone run's samples.
    public var stages: [StageReport]
    /// Eval suites run by a rollout (`quality` metrics) or the eval run itself.
    public var evals: [EvalReport]
    /// The drift verdict of a drift run.
    public var drift: DriftReport?
    /// The deployment checklist of the pipeline snapshot, declared values (and measured ones where known).
    public var checklist: [ChecklistSection]
    /// The whole journal, oldest first.
    public var journal: [JournalLine]
}

/// The top of a report: what ran, how it ended, and why, in one sentence.
public struct ReportHeader: Codable, Sendable, Equatable {
    public struct Version: Codable, Sendable, Equatable {
        public var version: String
        public var revision: String?
        public var lineage: String?
    }

    public var runID: String
    public var kind: String
    public var name: String
    public var pipeline: String?
    public var pipelineSha256: String?
    public var baseline: Version?
    public var candidate: Version?
    public var status: String
    public var outcome: String?
    /// Who or what took the final decision (`judge`, `rule error_rate`, `cli:ana@host`, `alert:…`).
    public var decidedBy: String?
    /// The rollback, promotion or result reason, one sentence.
    public var reason: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationSeconds: Double?
}

/// The run over time.
public struct ReportTimeline: Codable, Sendable, Equatable {
    public struct WeightPoint: Codable, Sendable, Equatable {
        public var at: Date
        public var weight: Int
    }

    public struct StageSpan: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
        public var start: Date
        public var end: Date?
    }

    public struct CheckMark: Codable, Sendable, Equatable {
        public var at: Date
        public var stage: Int
        public var look: Int
        public var decision: String
        public var summary: String
    }

    public struct Annotation: Codable, Sendable, Equatable {
        public var at: Date
        /// `command`, `alert`, `approval`, `rolled_back`, `promoted`, `aborted`, `failed`, `paused`, `note`, `notify`.
        public var kind: String
        public var text: String
    }

    public var start: Date
    public var end: Date
    public var weights: [WeightPoint]
    public var stages: [StageSpan]
    public var checks: [CheckMark]
    public var annotations: [Annotation]
}

/// One stage: its traffic per arm, the distributions of its metrics and every check's judgement.
public struct StageReport: Codable, Sendable, Equatable {
    public var index: Int?
    public var name: String
    public var kind: String
    public var weight: Int?
    public var status: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var arms: [ArmTraffic]
    public var distributions: [MetricDistribution]
    public var checks: [CheckReport]
    /// The criteria of the last check, as the stats table shows them.
    public var statsRows: [StatsRow]
}

/// Requests, errors, tokens and throughput of one arm in a stage.
public struct ArmTraffic: Codable, Sendable, Equatable {
    public var arm: String
    public var requests: Int
    public var errors: Int
    public var errorsByClass: [String: Int]
    public var inputTokens: Int
    public var outputTokens: Int
    /// From the first request's start to the last request's end.
    public var seconds: Double
    public var requestsPerSecond: Double?
    public var outputTokensPerSecond: Double?
}

/// Both arms' distribution of one sample metric, downsampled for plotting.
public struct MetricDistribution: Codable, Sendable, Equatable {
    public struct Arm: Codable, Sendable, Equatable {
        public var arm: String
        public var count: Int
        public var mean: Double?
        public var p50: Double?
        public var p95: Double?
        public var p99: Double?
        /// Points `(value, cumulative share)` of the empirical CDF, at most ``ReportBuilder/ecdfPoints``.
        public var ecdf: [[Double]]
    }

    public var metric: String
    /// Plotted on a log axis (latencies).
    public var logScale: Bool
    public var arms: [Arm]

    /// The arm named `name`.
    public func arm(_ name: String) -> Arm? { arms.first { $0.arm == name } }
}

/// One check (look) of a stage: the decision and each metric's judgement.
public struct CheckReport: Codable, Sendable, Equatable {
    public var verdictID: Int64?
    public var at: Date
    public var look: Int
    public var decision: String
    public var score: Double?
    public var summary: String
    public var judge: String?
    public var metrics: [MetricJudgement]
    /// Numeric fields of the verdict detail outside its metrics (look k of K, information fraction…).
    public var detail: [String: Double]
}

/// A judge's account of one metric at one look, read generically from the stored verdict
/// detail: the known fields by name, every other numeric field in ``extra`` (sequential
/// boundaries, information fraction, spent α/β… whatever the judge stores).
public struct MetricJudgement: Codable, Sendable, Equatable {
    public var metric: String
    public var outcome: String
    public var critical: Bool?
    public var method: String?
    public var baselineCount: Int?
    public var candidateCount: Int?
    public var baselineValue: Double?
    public var candidateValue: Double?
    public var estimate: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    public var tolerance: String?
    public var allowance: Double?
    public var pValue: Double?
    /// `higher` or `lower`, from the pipeline snapshot's criteria.
    public var worse: String?
    public var explanation: String
    /// Every other numeric field of the metric's detail, by its stored (dotted) name.
    public var extra: [String: Double]
}

/// A row of a stage's stats table: per-arm statistics of the metric and the last judgement.
public struct StatsRow: Codable, Sendable, Equatable {
    public var criterion: String
    public var baseline: MetricDistribution.Arm?
    public var candidate: MetricDistribution.Arm?
    public var judgement: MetricJudgement
}

/// An eval suite's results on both versions.
public struct EvalReport: Codable, Sendable, Equatable {
    public struct PassRate: Codable, Sendable, Equatable {
        public var arm: String
        public var version: String?
        public var passed: Int
        public var total: Int
        public var rate: Double
        /// 95% Wilson interval.
        public var low: Double
        public var high: Double
    }

    public struct Cell: Codable, Sendable, Equatable {
        public var passed: Int
        public var repetitions: Int
        public var score: Double
        public var answer: String?
        /// Each scorer's result, one line each.
        public var scorers: [String]
    }

    public struct CaseRow: Codable, Sendable, Equatable {
        public var caseID: String
        public var baseline: Cell?
        public var candidate: Cell?
        /// The baseline passed more often than the candidate.
        public var regression: Bool
        public var improvement: Bool
    }

    public var runID: String
    public var suite: String
    public var passRates: [PassRate]
    /// Regressions first, then improvements, then the rest by case id.
    public var cases: [CaseRow]
    /// The paired comparison's numeric results by stored name (McNemar, interval, …).
    public var pairedTest: [String: Double]
    public var pairedSummary: [String: String]
}

/// A drift run's verdict and every feature's test.
public struct DriftReport: Codable, Sendable, Equatable {
    public struct Feature: Codable, Sendable, Equatable {
        public var feature: String
        public var test: String
        public var drifted: Bool
        public var numbers: [String: Double]
        public var referenceSummary: String
        public var currentSummary: String
        public var note: String
    }

    public var suite: String
    public var drifted: Bool
    public var summary: String
    public var reference: String?
    public var current: String?
    public var alpha: Double?
    public var correction: String?
    /// Drifted features over tested features.
    public var share: Double
    public var features: [Feature]
}

/// A checklist section with each item's declared (and measured) values.
public struct ChecklistSection: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var id: String
        public var text: String
        public var declared: Bool
        public var required: Bool
        public var values: [String: String]
        public var measured: [String: String]
    }

    public var number: Int
    public var title: String
    public var items: [Item]
}

/// One journal event, its payload as stored.
public struct JournalLine: Codable, Sendable, Equatable {
    public var seq: Int
    public var at: Date
    public var kind: String
    public var payload: String
}
