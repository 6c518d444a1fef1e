public import Foundation
public import TollgateAnalysis
public import TollgateCore

/// Where the engine gets the time and how it waits, so tests of stages and schedules can
/// drive time instead of sleeping.
public protocol EngineClock: Sendable {
    func now() -> Date
    func sleep(for duration: Duration) async throws
}

/// The wall clock and `Task.sleep`.
public struct SystemEngineClock: EngineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// Produces a stage's traffic. Whatever it measures ends up in the run-history database as
/// samples of `(runID, stage)`: written by the source itself (a replay) or by the gateway
/// (live traffic labelled with the run and stage).
public protocol StageTrafficSource: Sendable {
    /// Sends `requests` recorded requests to both versions, paired (a shadow stage, or part of
    /// one after a resume), stopping early after `duration` when given.
    func shadow(runID: String, stage: Int, requests: Int, duration: Duration?) async throws
    /// Produces one check interval of canary traffic at `weight`.
    func canaryInterval(runID: String, stage: Int, weight: Int, interval: Duration) async throws
}

/// What a judge is asked at one check.
public struct JudgeRequest: Sendable {
    public var baseline: [Sample]
    public var candidate: [Sample]
    /// 1 for the first check of the stage, 2 for the second…
    public var look: Int
    /// True in canary stages: the judge must stay valid under repeated looks.
    public var sequential: Bool
    public var stageName: String
    /// Paired pass/fail results of each eval suite (by path), for `quality` metrics.
    public var quality: [String: RunEventPayload.QualityEvaluated]
    /// Canary stages: the planned samples per arm (the horizon) of the stage's group-sequential test.
    public var maxSamples: Int?
    /// Canary stages: samples per arm (the smaller arm) at every earlier check of the stage, oldest first.
    public var previousLooks: [Int]
    /// Observations the stage's ``MetricSource`` measured, by criterion name; a metric absent here is read from the samples.
    public var observations: [String: MetricSamples] = [:]
    /// Requests per arm as the metric source counted them (a Prometheus `_count` increase); nil counts the samples.
    public var measuredCounts: (baseline: Int, candidate: Int)?

    public init(baseline: [Sample], candidate: [Sample], look: Int, sequential: Bool, stageName: String,
                quality: [String: RunEventPayload.QualityEvaluated] = [:], maxSamples: Int? = nil, previousLooks: [Int] = []) {
        self.baseline = baseline
        self.candidate = candidate
        self.look = look
        self.sequential = sequential
        self.stageName = stageName
        self.quality = quality
        self.maxSamples = maxSamples
        self.previousLooks = previousLooks
    }
}

/// A judge's decision for one check, explained.
public struct StageVerdict: Sendable, Codable, Equatable {
    /// The judges' own ``TollgateCore/Decision`` (promote, hold, rollback): one type, no conversion.
    public typealias Decision = TollgateCore.Decision

    /// One metric's line in the explanation.
    public struct MetricLine: Sendable, Codable, Equatable {
        public var metric: String
        /// `pass`, `fail`, `inconclusive` or `nodata` (the judge's own words).
        public var outcome: String
        public var sentence: String

        public init(metric: String, outcome: String, sentence: String) {
            self.metric = metric
            self.outcome = outcome
            self.sentence = sentence
        }
    }

    public var decision: Decision
    public var score: Double?
    public var summary: String
    public var metrics: [MetricLine]
    /// The judge's full verdict, as a JSON document of its own (nested in `--json` output and
    /// in the `verdicts` table, never JSON text inside a string).
    public var detail: JSONValue

    /// - Parameter detailJSON: the judge's full verdict as JSON text (`null` when it is not JSON).
    public init(decision: Decision, score: Double?, summary: String, metrics: [MetricLine], detailJSON: String) {
        self.decision = decision
        self.score = score
        self.summary = summary
        self.metrics = metrics
        self.detail = JSONValue.parse(Data(detailJSON.utf8)) ?? .null
    }

    private enum CodingKeys: String, CodingKey {
        case decision, score, summary, metrics, detail
        /// Verdicts stored before the detail was nested kept it as JSON text under this key.
        case legacyDetailJSON = "detailJSON"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        decision = try c.decode(Decision.self, forKey: .decision)
        score = try c.decodeIfPresent(Double.self, forKey: .score)
        summary = try c.decode(String.self, forKey: .summary)
        metrics = try c.decode([MetricLine].self, forKey: .metrics)
        if let nested = try c.decodeIfPresent(JSONValue.self, forKey: .detail) {
            detail = nested
        } else {
            detail = try c.decodeIfPresent(String.self, forKey: .legacyDetailJSON).flatMap { JSONValue.parse(Data($0.utf8)) } ?? .null
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(decision, forKey: .decision)
        try c.encodeIfPresent(score, forKey: .score)
        try c.encode(summary, forKey: .summary)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(detail, forKey: .detail)
    }
}

/// Turns two arms' samples into a verdict (the `tollgate` or `kayenta` judge of the pipeline).
public protocol StageJudge: Sendable {
    func judge(_ request: JudgeRequest) throws -> StageVerdict
}

/// Runs an eval suite against both versions (the pipeline's `quality` metrics and shadow `suites`).
public protocol QualityEvaluator: Sendable {
    func evaluate(suitePath: String) async throws -> RunEventPayload.QualityEvaluated
}
