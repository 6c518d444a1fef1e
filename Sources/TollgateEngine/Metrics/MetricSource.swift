public import Foundation
public import TollgateAnalysis
public import TollgateCore

/// Where a check's observations come from: Tollgate's own samples (``StoredSampleSource``) or the
/// serving metrics in Prometheus (``PrometheusMetricSource``). The judge is the same for both.
public protocol MetricSource: Sendable {
    /// A short description for the journal (`samples`, `prometheus http://prom:9090 (vllm)`).
    var summary: String { get }
    /// Measures the pipeline's `metrics` for both arms over `window`. Metrics a source cannot
    /// measure are left out of the result (the judge then reads them from Tollgate's samples).
    func measure(_ metrics: [MetricCriterionConfig], window: MeasurementWindow) async throws -> StageMeasurement
    /// Evaluates the pipeline's query metrics over `window` (a default gives each no data).
    func evaluate(_ custom: [CustomMetricConfig], window: MeasurementWindow) async throws -> [CustomMetricResult]
    /// Whether this source reads the number a rollback rule compares (then Tollgate's samples never
    /// do, even when the source fails). The default reads none.
    func reads(_ rule: RollbackRule) -> Bool
    /// The candidate's number over `window` for each of `rules` this source reads, by rule id
    /// (``RollbackRuleEvaluator/id(of:)``). The default reads none.
    func readings(for rules: [RollbackRule], window: MeasurementWindow) async throws -> [String: RuleReading]
}

/// What a metrics source read of the candidate for one rollback rule at a check.
public enum RuleReading: Sendable, Equatable, Codable {
    /// The candidate's failed requests among its requests, from counter increases over the window.
    case rate(errors: Int, requests: Int, queries: [String])
    /// A latency of the candidate in milliseconds over `requests` (a quantile interpolated in its
    /// histogram's increase, or the mean from its `_sum` and `_count` increases).
    case latency(ms: Double, requests: Int, queries: [String])
    /// Nothing to read (the source failed, no series matched, an empty window): the rule has no data
    /// at this check — it neither breaches nor passes, and its run of consecutive breaches carries over.
    case nodata(reason: String)
}

/// The stretch of a stage a check judges, and the samples Tollgate stored in it.
public struct MeasurementWindow: Sendable {
    public var start: Date
    public var end: Date
    public var baseline: [Sample]
    public var candidate: [Sample]

    public init(start: Date, end: Date, baseline: [Sample], candidate: [Sample]) {
        self.start = start
        self.end = end
        self.baseline = baseline
        self.candidate = candidate
    }

    public var seconds: Double { max(0, end.timeIntervalSince(start)) }
}

/// How one metric was measured at a check: what was asked, over which window, how many requests
/// each arm had, and why there is no data when there is none. Journaled with the verdict.
public struct MeasuredMetric: Sendable, Codable, Equatable {
    public var metric: String
    public var queries: [String]
    public var windowSeconds: Double
    public var baselineCount: Int
    public var candidateCount: Int
    /// Why the metric has no data (no series matched, an empty window, differing buckets).
    public var nodataReason: String?
    /// For histograms: the one-sided binned Mann–Whitney p-value of "the candidate is worse" on the bucket counts.
    public var binnedMannWhitneyP: Double?
    /// For a histogram observed several times per request (SGLang's inter-token gaps): each arm's
    /// observations before its counts were weighted to its request count (`baselineCount`, `candidateCount`).
    public var baselineObservations: Int?
    public var candidateObservations: Int?

    enum CodingKeys: String, CodingKey {
        case metric, queries
        case windowSeconds = "window_seconds"
        case baselineCount = "baseline_count"
        case candidateCount = "candidate_count"
        case nodataReason = "nodata_reason"
        case binnedMannWhitneyP = "binned_mann_whitney_p"
        case baselineObservations = "baseline_observations"
        case candidateObservations = "candidate_observations"
    }
}

/// What a source measured at one check.
public struct StageMeasurement: Sendable {
    /// Each measured metric's observations, by criterion name (``PipelineJudge/criterionName(_:)``).
    public var observations: [String: MetricSamples]
    /// Requests per arm in the window (for `min_samples`, `max_samples` and the information fraction).
    public var baselineCount: Int
    public var candidateCount: Int
    public var measured: [MeasuredMetric]
    public var source: String

    public init(observations: [String: MetricSamples], baselineCount: Int, candidateCount: Int, measured: [MeasuredMetric], source: String) {
        self.observations = observations
        self.baselineCount = baselineCount
        self.candidateCount = candidateCount
        self.measured = measured
        self.source = source
    }
}

/// One arm's bucket counts of a histogram over a window, with the bucket edges in the metric's unit.
public struct ScaledHistogram: Sendable, Equatable {
    /// Upper edges, ascending, the last +Inf.
    public var edges: [Double]
    public var counts: [Int]

    /// The `level` quantile as Prometheus' `histogram_quantile` estimates it: linear within the bucket
    /// that holds the rank (from 0 for the first bucket); in the +Inf bucket, the last finite edge.
    public func quantile(_ level: Double) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0, edges.count == counts.count else { return nil }
        let rank = level * Double(total)
        var below = 0
        for (i, n) in counts.enumerated() {
            if n > 0, Double(below + n) >= rank {
                let upper = edges[i], lower = i > 0 ? edges[i - 1] : 0
                if upper.isInfinite { return lower }
                return lower + (upper - lower) * (rank - Double(below)) / Double(n)
            }
            below += n
        }
        return edges.last(where: \.isFinite)
    }
}

/// A source that could not measure, with how many checks in a row it has failed.
public struct MetricSourceFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// This failure's place in the current run of consecutive failures (1 for the first).
    public var consecutive: Int
    /// True when the input (query, token, selector) is wrong rather than the source unavailable.
    public var isInputError: Bool
    public var description: String { reason }
}

/// Tollgate's own samples, stored by the traffic it sent or its gateway saw: one observation per request.
public struct StoredSampleSource: MetricSource {
    public init() {}
    public var summary: String { "samples" }

    public func measure(_ metrics: [MetricCriterionConfig], window: MeasurementWindow) async throws -> StageMeasurement {
        var observations: [String: MetricSamples] = [:]
        for metric in metrics where metric.metric != .quality {
            observations[PipelineJudge.criterionName(metric)] = MetricSamples(
                baseline: PipelineJudge.values(metric.metric, window.baseline), candidate: PipelineJudge.values(metric.metric, window.candidate))
        }
        return StageMeasurement(observations: observations, baselineCount: window.baseline.count, candidateCount: window.candidate.count,
                                measured: [], source: summary)
    }
}

/// One query metric (`analysis.metrics[]` with `query`) at one check.
public struct CustomMetricResult: Sendable, Codable, Equatable {
    public var name: String
    /// `pass`, `fail` or `nodata`.
    public var outcome: String
    public var baseline: Double?
    public var candidate: Double?
    public var queries: [String]
    public var sentence: String
    public var critical: Bool
    public var dryRun: Bool

    enum CodingKeys: String, CodingKey {
        case name, outcome, baseline, candidate, queries, sentence, critical
        case dryRun = "dry_run"
    }
}

extension MetricSource {
    public func reads(_ rule: RollbackRule) -> Bool { false }

    public func readings(for rules: [RollbackRule], window: MeasurementWindow) async throws -> [String: RuleReading] { [:] }

    /// Query metrics need a source that runs queries: elsewhere each has no data.
    public func evaluate(_ custom: [CustomMetricConfig], window: MeasurementWindow) async throws -> [CustomMetricResult] {
        custom.map {
            CustomMetricResult(name: $0.name, outcome: "nodata", queries: [$0.query],
                               sentence: "\($0.name) has no data: \(summary) does not run queries.", critical: $0.critical, dryRun: $0.dryRun)
        }
    }
}
