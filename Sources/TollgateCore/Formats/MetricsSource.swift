/// Where a canary's metrics come from when not from Tollgate's own samples (`metrics_source:`):
/// today Prometheus, with the serving metrics a model server exports.
public struct MetricsSourceConfig: Sendable, Equatable, Codable {
    /// What a canary stage does after ``errorLimit`` consecutive checks at which the source failed.
    public enum ErrorAction: String, Sendable, Equatable, Codable, CaseIterable {
        /// Pause the run with the reason (the default): an operator resumes, promotes or rolls back.
        case pause
        /// Roll back: no evidence is treated as too risky.
        case rollback
        /// Keep the stage running; its `max_duration` and `on_timeout` still end it.
        case hold
    }

    public var prometheus: PrometheusSourceConfig
    /// `on_source_error`.
    public var onSourceError: ErrorAction
    /// `source_errors`: consecutive failed checks before ``onSourceError`` applies (default 3).
    public var errorLimit: Int

    public init(prometheus: PrometheusSourceConfig, onSourceError: ErrorAction = .pause, errorLimit: Int = 3) {
        self.prometheus = prometheus
        self.onSourceError = onSourceError
        self.errorLimit = errorLimit
    }
}

/// A Prometheus server that scrapes both versions' model servers, and how to find each arm's series.
public struct PrometheusSourceConfig: Sendable, Equatable, Codable {
    /// Which model server's metric names the built-in metrics map to.
    public enum Preset: String, Sendable, Equatable, Codable, CaseIterable {
        case vllm, sglang, tgi
    }

    /// Base URL of the query API, e.g. `http://prometheus:9090`.
    public var url: String
    /// Environment variable holding a bearer token, if Prometheus needs one (never the token itself).
    public var tokenEnv: String?
    public var timeout: Duration
    public var preset: Preset
    /// Label matchers of the baseline's and the candidate's series (`selectors.baseline`, `selectors.candidate`).
    public var baseline: PromSelector
    public var candidate: PromSelector

    public init(url: String, tokenEnv: String? = nil, timeout: Duration = .seconds(10), preset: Preset = .vllm,
                baseline: PromSelector, candidate: PromSelector) {
        self.url = url
        self.tokenEnv = tokenEnv
        self.timeout = timeout
        self.preset = preset
        self.baseline = baseline
        self.candidate = candidate
    }
}

/// A metric the pipeline writes as a query (`analysis.metrics[]` with `name` and `query`), as users
/// write them in Argo Rollouts' AnalysisTemplates, evaluated on the `metrics_source` at every canary check.
///
/// The query may use `{{selector}}` (the arm's selector), `{{version}}` (the arm's version) and
/// `{{window}}` (the stage window so far, e.g. `[90s]`); it must come to one number per arm.
public struct CustomMetricConfig: Sendable, Equatable, Codable {
    /// How the number is judged.
    public enum Check: Sendable, Equatable, Codable {
        /// Evaluated per arm; fails when the candidate's value is worse than the baseline's by more than the tolerance.
        case relative(worse: MetricCriterionConfig.Worse, tolerance: Tolerance)
        /// Evaluated for the candidate only; fails above `max`.
        case max(Double)
        /// Evaluated for the candidate only; fails below `min`.
        case min(Double)
    }

    public var name: String
    public var query: String
    public var check: Check
    /// A failing critical metric rolls the stage back; a failing other one holds it (it cannot promote).
    public var critical: Bool
    /// Measured, journaled and shown, never decides.
    public var dryRun: Bool

    public init(name: String, query: String, check: Check, critical: Bool = false, dryRun: Bool = false) {
        self.name = name
        self.query = query
        self.check = check
        self.critical = critical
        self.dryRun = dryRun
    }
}
