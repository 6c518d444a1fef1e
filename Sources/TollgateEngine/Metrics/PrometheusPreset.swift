public import TollgateCore

/// The series a model server exports for each built-in metric, by preset (`metrics_source.prometheus.preset`).
///
/// Only per-request series are mapped, so one observation is one request, as in Tollgate's samples:
/// `itl_ms` (Tollgate's mean inter-token gap of each request) reads the per-request time-per-output-token
/// histogram, not vLLM's `inter_token_latency_seconds`, which counts every gap of every request (those
/// are not independent observations). Metrics a preset does not map come from Tollgate's own samples:
/// TGI exports no TTFT histogram, SGLang no per-request time per output token, llama.cpp no histograms at all.
public struct PrometheusPreset: Sendable, Equatable {
    /// How one built-in metric is read.
    public enum Series: Sendable, Equatable {
        /// A histogram (`NAME_bucket`, `NAME_count`); bucket edges times `scale` give the metric's unit.
        case histogram(name: String, scale: Double)
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
                .outputTokens: .histogram(name: "vllm:request_generation_tokens", scale: 1),
                .errorRate: .rate(events: "http_requests_total", eventMatchers: [.init("status", .equal, "5xx")],
                                  total: "http_requests_total", totalMatchers: []),
            ])
        case .sglang:
            return PrometheusPreset(name: .sglang, requestCount: "sglang:e2e_request_latency_seconds", series: [
                .ttftMs: .histogram(name: "sglang:time_to_first_token_seconds", scale: 1000),
                .e2eMs: .histogram(name: "sglang:e2e_request_latency_seconds", scale: 1000),
                .errorRate: .rate(events: "sglang:num_aborted_requests_total", eventMatchers: [],
                                  total: "sglang:num_requests_total", totalMatchers: []),
            ])
        case .tgi:
            return PrometheusPreset(name: .tgi, requestCount: "tgi_request_duration", series: [
                .itlMs: .histogram(name: "tgi_request_mean_time_per_token_duration", scale: 1000),
                .tpotMs: .histogram(name: "tgi_request_mean_time_per_token_duration", scale: 1000),
                .e2eMs: .histogram(name: "tgi_request_duration", scale: 1000),
                .errorRate: .rate(events: "tgi_request_failure", eventMatchers: [], total: "tgi_request_count", totalMatchers: []),
            ])
        }
    }
}
