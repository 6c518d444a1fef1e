/// The `qualify:` section of a pipeline: how `tollgate qualify` measures one version against the
/// pipeline's declared facts and objectives, step by step. Every step has defaults, and each can be
/// turned off with `skip: true` (or left out of `--only`).
public struct QualifyConfig: Sendable, Equatable, Codable {
    /// The steps, in the order they run.
    public enum Step: String, Sendable, Codable, CaseIterable {
        case coldStart = "cold_start"
        case warmup
        case sweep
        case burst
        case inputVariability = "input_variability"
        case timeouts
        case observability
    }

    /// Cold start: start (or restart) the server N times and time it until the first successful inference.
    public struct ColdStart: Sendable, Equatable, Codable {
        public var skip = false
        public var repeats = 3
        /// Polled until it answers 2xx: a path on the endpoint's host (`/health`) or a full URL.
        public var readiness = "/health"
        public var pollInterval: Duration = .milliseconds(50)
        /// Longest wait for one start to serve its first inference.
        public var timeout: Duration = .seconds(300)
        /// After SIGTERM, how long the started server may take to exit before SIGKILL.
        public var stopTimeout: Duration = .seconds(10)
        public init() {}
    }

    /// Warmup: sequential requests after a cold start; the warmup ends where the TTFT p50 over a
    /// sliding window comes within `tolerance` of the steady state.
    public struct Warmup: Sendable, Equatable, Codable {
        public var skip = false
        public var requests = 60
        public var window = 5
        public var tolerance = 0.10
        /// `max_tokens` of each warmup request (only the time to first token matters).
        public var maxTokens = 8
        public init() {}
    }

    /// Throughput and goodput sweep: a synchronous baseline, then higher closed-loop concurrency
    /// until an objective breaks.
    public struct Sweep: Sendable, Equatable, Codable {
        public var skip = false
        public var concurrency: [Int] = [1, 2, 4, 8, 16, 32]
        /// Measured requests at each level: `requests_per_slot` × the concurrency, at least `min_requests`.
        public var requestsPerSlot = 4
        public var minRequests = 8
        /// `max_tokens` override of the sweep's requests; nil keeps the recorded ones.
        public var maxTokens: Int?
        public init() {}
    }

    /// Burst resilience: an open-loop burst at `multiplier` × the declared peak rate (or `rate`).
    public struct Burst: Sendable, Equatable, Codable {
        public var skip = false
        public var multiplier = 3.0
        /// Requests per second of the burst; default `multiplier` × `objectives.load_profile.peak_rps`.
        public var rate: Double?
        public var duration: Duration = .seconds(10)
        /// Sequential requests before the burst that set the steady-state TTFT.
        public var baselineRequests = 5
        /// Recovered when three probes in a row have a TTFT within this fraction above the steady state.
        public var recoveryTolerance = 0.5
        public var recoveryTimeout: Duration = .seconds(30)
        public var maxTokens: Int?
        public init() {}
    }

    /// Input variability: TTFT and errors by input length up to `model.max_input_tokens`, one
    /// request just over the limit, and unusual inputs.
    public struct InputVariability: Sendable, Equatable, Codable {
        public var skip = false
        /// Input lengths as fractions of `model.max_input_tokens` (of 4096 tokens when the model declares no limit).
        public var fractions: [Double] = [0.01, 0.1, 0.5, 0.9]
        public var requestsPerBucket = 2
        public var maxTokens = 8
        public init() {}
    }

    /// Timeout alignment: flags a timeout below the measured need, or looser than `loose_factor` × it.
    public struct Timeouts: Sendable, Equatable, Codable {
        public var skip = false
        public var looseFactor = 20.0
        public init() {}
    }

    /// Observability: the error classes seen, and the declared metrics on the server's `/metrics`.
    public struct Observability: Sendable, Equatable, Codable {
        public var skip = false
        /// The Prometheus text endpoint of the server; nil skips the metrics check.
        public var metricsURL: String?
        public init() {}
    }

    public var coldStart = ColdStart()
    public var warmup = Warmup()
    public var sweep = Sweep()
    public var burst = Burst()
    public var inputVariability = InputVariability()
    public var timeouts = Timeouts()
    public var observability = Observability()
    /// Per-request total timeout of the measuring client (the pipeline's own timeouts are what the
    /// timeouts step judges, so they must not cut the measurement).
    public var requestTimeout: Duration = .seconds(120)

    public init() {}

    /// Whether `step` is turned off in the file.
    public func skips(_ step: Step) -> Bool {
        switch step {
        case .coldStart: return coldStart.skip
        case .warmup: return warmup.skip
        case .sweep: return sweep.skip
        case .burst: return burst.skip
        case .inputVariability: return inputVariability.skip
        case .timeouts: return timeouts.skip
        case .observability: return observability.skip
        }
    }
}
