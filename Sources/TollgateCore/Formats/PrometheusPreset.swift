/// The series a model server exports for each built-in metric, by preset (`metrics_source.prometheus.preset`).
///
/// Per-request series are preferred, so one observation is one request, as in Tollgate's samples:
/// vLLM's `itl_ms` (Tollgate's mean inter-token gap of each request) reads the per-request
/// time-per-output-token histogram, not `vllm:inter_token_latency_seconds`, which counts every gap of
/// every request. SGLang exports no per-request decode histogram, so its `itl_ms` reads
/// `sglang:inter_token_latency_seconds` as a ``Series/histogram(name:scale:perRequest:)`` that is not
/// per request: its counts are weighted down to what they are worth in independent requests before
/// the judge sees them (the gaps of one request are not independent observations), which needs the
/// most tokens a request generates (`model.max_output_tokens`). Metrics a preset does not map come
/// from Tollgate's own samples: TGI exports no TTFT histogram, llama.cpp no histograms at all.
/// `queue_ms` is mapped by every preset and measured by nothing else.
public struct PrometheusPreset: Sendable, Equatable {
    /// How one built-in metric is read.
    public enum Series: Sendable, Equatable {
        /// A histogram (`NAME_bucket`, `NAME_sum`, `NAME_count`); bucket edges times `scale` give the
        /// metric's unit. `perRequest` is false when the server observes it several times per request
        /// (every inter-token gap): the judge then weights its counts to the arm's request count.
        case histogram(name: String, scale: Double, perRequest: Bool = true)
        /// A rate: the increase of `events` over the increase of `total` (each a counter with extra matchers).
        case rate(events: String, eventMatchers: [PromSelector.Matcher], total: String, totalMatchers: [PromSelector.Matcher])
    }

    public var name: PrometheusSourceConfig.Preset
    /// The histogram whose `_count` increase is an arm's number of requests (successful ones).
    public var requestCount: String
    public var series: [MetricName: Series]

    public static func named(_ preset: PrometheusSourceConfig.Preset) -> PrometheusPreset {
        switch preset {
        case .vllm:
            return PrometheusPreset(name: .vllm, requestCount: "vllm:e2e_request_latency_seconds", series: [
                .ttftMs: .histogram(name: "vllm:time_to_first_token_seconds", scale: 1000),
                .itlMs: .histogram(name: "vllm:request_time_per_output_token_seconds", scale: 1000),
                .tpotMs: .histogram(name: "vllm:request_time_per_output_token_seconds", scale: 1000),
                .e2eMs: .histogram(name: "vllm:e2e_request_latency_seconds", scale: 1000),
                .queueMs: .histogram(name: "vllm:request_queue_time_seconds", scale: 1000),
                .outputTokens: .histogram(name: "vllm:request_generation_tokens", scale: 1),
                .errorRate: .rate(events: "http_requests_total", eventMatchers: [.init("status", .equal, "5xx")],
                                  total: "http_requests_total", totalMatchers: []),
            ])
        case .sglang:
            return PrometheusPreset(name: .sglang, requestCount: "sglang:e2e_request_latency_seconds", series: [
                .ttftMs: .histogram(name: "sglang:time_to_first_token_seconds", scale: 1000),
                .itlMs: .histogram(name: "sglang:inter_token_latency_seconds", scale: 1000, perRequest: false),
                .e2eMs: .histogram(name: "sglang:e2e_request_latency_seconds", scale: 1000),
                .queueMs: .histogram(name: "sglang:queue_time_seconds", scale: 1000),
                .errorRate: .rate(events: "sglang:num_aborted_requests_total", eventMatchers: [],
                                  total: "sglang:num_requests_total", totalMatchers: []),
            ])
        case .tgi:
            return PrometheusPreset(name: .tgi, requestCount: "tgi_request_duration", series: [
                .itlMs: .histogram(name: "tgi_request_mean_time_per_token_duration", scale: 1000),
                .tpotMs: .histogram(name: "tgi_request_mean_time_per_token_duration", scale: 1000),
                .e2eMs: .histogram(name: "tgi_request_duration", scale: 1000),
                .queueMs: .histogram(name: "tgi_request_queue_duration", scale: 1000),
                .errorRate: .rate(events: "tgi_request_failure", eventMatchers: [], total: "tgi_request_count", totalMatchers: []),
            ])
        }
    }

    /// Whether this preset reads `metric` from Prometheus (else it comes from Tollgate's samples).
    public func maps(_ metric: MetricName) -> Bool { series[metric] != nil }

    /// Whether this preset reads `metric` from a histogram observed several times per request.
    public func countsSeveralPerRequest(_ metric: MetricName) -> Bool {
        if case .histogram(_, _, let perRequest)? = series[metric] { return !perRequest }
        return false
    }

    /// The preset of a configured source.
    public init(_ config: PrometheusSourceConfig) { self = Self.named(config.preset) }

    public init(name: PrometheusSourceConfig.Preset, requestCount: String, series: [MetricName: Series]) {
        self.name = name
        self.requestCount = requestCount
        self.series = series
    }
}
