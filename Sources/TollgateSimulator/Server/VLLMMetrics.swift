import Foundation
import NIOConcurrencyHelpers
import TollgateCore

/// The simulator's Prometheus `/metrics`, named and bucketed as vLLM (v1) exports them, so that two
/// simulators behind any router look to Prometheus like two vLLM servers: histograms in seconds and
/// tokens, counters of successes and tokens, gauges of running requests, and HTTP status counts.
/// Every series carries `model_name`, the model served (the first `--model` unless the request named
/// another served one).
///
/// Bucket edges are vLLM's (vllm/v1/metrics/loggers.py): time to first token, inter-token latency
/// (also time per output token), request latencies (e2e, queue, prefill, decode) and the 1-2-5
/// token buckets up to the model length (8192 here).
public final class VLLMMetrics: Sendable {
    /// vLLM's time-to-first-token bucket edges, in seconds.
    public static let ttftBuckets: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
                                               2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    /// vLLM's inter-token latency and time-per-output-token bucket edges, in seconds.
    public static let tokenLatencyBuckets: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
                                                       2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
    /// vLLM's request latency bucket edges (e2e, queue, prefill, decode), in seconds.
    public static let requestLatencyBuckets: [Double] = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
                                                         40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]
    /// vLLM's token-count bucket edges: 1, 2, 5, 10, 20, 50… up to the model length (8192).
    public static let tokenCountBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]

    /// What one finished generation measured, in seconds and tokens. As in vLLM, `ttft` and `e2e` run
    /// from the request's arrival, so they include `queue`, the time it waited for a slot of the
    /// capacity model (``SimulatorProfile/Serving/capacity``; none without one) before its prefill began.
    struct Finished: Sendable {
        var model: String
        var ttft: Double
        var gaps: [Double]
        var e2e: Double
        var promptTokens: Int
        var generationTokens: Int
        var finishReason: String
        var queue: Double = 0
    }

    private struct Histogram: Sendable {
        var counts: [Int]
        var sum = 0.0
        var count = 0
        init(edges: Int) { counts = Array(repeating: 0, count: edges) }
        mutating func observe(_ value: Double, edges: [Double]) {
            // Cumulative exposition is computed when rendering; here each value lands in its first bucket.
            if let i = edges.firstIndex(where: { value <= $0 }) { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    private static let histograms: [(name: String, help: String, edges: [Double])] = [
        ("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttftBuckets),
        ("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", tokenLatencyBuckets),
        ("vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", tokenLatencyBuckets),
        ("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", requestLatencyBuckets),
        ("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", requestLatencyBuckets),
        ("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", requestLatencyBuckets),
        ("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", requestLatencyBuckets),
        ("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tokenCountBuckets),
        ("vllm:request_generation_tokens", "Number of generation tokens processed.", tokenCountBuckets),
    ]

    private struct ModelState: Sendable {
        var histograms: [Histogram] = VLLMMetrics.histograms.map { Histogram(edges: $0.edges.count) }
        var success: [String: Int] = [:]
        var promptTokens = 0
        var generationTokens = 0
        var running = 0
    }

    private struct State: Sendable {
        var models: [String: ModelState] = [:]
        /// `http_requests_total` by (status class, handler).
        var http: [HTTPKey: Int] = [:]
    }

    private struct HTTPKey: Hashable, Sendable {
        var status: String
        var handler: String
    }

    private let state = NIOLockedValueBox(State())
    private let served: [String]

    /// - Parameter models: the models served; each gets its series from the start (at zero), as
    ///   vLLM registers them at startup, so a window's increase is defined from the first scrape.
    init(models: [String]) {
        served = models
        state.withLockedValue { s in
            for model in models { s.models[model] = ModelState() }
        }
    }

    /// The `model_name` a request is counted under: the model it asked for when served, else the first.
    func modelName(requested: String?) -> String {
        if let requested, served.contains(requested) { return requested }
        return served[0]
    }

    func started(model: String) {
        state.withLockedValue { $0.models[model, default: ModelState()].running += 1 }
    }

    func stopped(model: String) {
        state.withLockedValue { $0.models[model, default: ModelState()].running -= 1 }
    }

    /// Counts one HTTP response by status class (`2xx`, `4xx`, `5xx`) and route.
    func responded(status: Int, handler: String) {
        let key = HTTPKey(status: "\(status / 100)xx", handler: handler)
        state.withLockedValue { $0.http[key, default: 0] += 1 }
    }

    /// Records a generation that finished with a finish reason (cut streams are not successes).
    func finished(_ f: Finished) {
        let decode = max(0, f.e2e - f.ttft)
        let values: [[Double]] = [
            [f.ttft], f.gaps, f.generationTokens > 1 ? [decode / Double(f.generationTokens - 1)] : [],
            [f.e2e], [f.queue], [max(0, f.ttft - f.queue)], [decode], [Double(f.promptTokens)], [Double(f.generationTokens)],
        ]
        state.withLockedValue { s in
            var m = s.models[f.model, default: ModelState()]
            for (i, list) in values.enumerated() {
                for v in list { m.histograms[i].observe(v, edges: Self.histograms[i].edges) }
            }
            m.success[f.finishReason, default: 0] += 1
            m.promptTokens += f.promptTokens
            m.generationTokens += f.generationTokens
            s.models[f.model] = m
        }
    }

    /// The Prometheus text exposition (version 0.0.4) of every series.
    public func render() -> String {
        let s = state.withLockedValue { $0 }
        let models = s.models.keys.sorted()
        var out = PrometheusExposition(numberStyle: .python)
        for (i, h) in Self.histograms.enumerated() {
            out.family(h.name, .histogram, help: h.help)
            for model in models {
                let histogram = s.models[model]!.histograms[i]
                out.histogram(h.name, labels: [("model_name", model)], bounds: h.edges, counts: histogram.counts, sum: histogram.sum, count: histogram.count)
            }
        }
        out.family("vllm:request_success_total", .counter, help: "Count of successfully processed requests.")
        for model in models {
            let success = s.models[model]!.success
            for reason in Set(success.keys).union(["stop", "length", "abort"]).sorted() {
                out.sample("vllm:request_success_total", labels: [("finished_reason", reason), ("model_name", model)], success[reason] ?? 0)
            }
        }
        func count(_ name: String, _ type: PrometheusExposition.MetricType, _ help: String, _ value: (ModelState) -> Int) {
            out.family(name, type, help: help)
            for model in models { out.sample(name, labels: [("model_name", model)], value(s.models[model]!)) }
        }
        count("vllm:prompt_tokens_total", .counter, "Number of prefill tokens processed.") { $0.promptTokens }
        count("vllm:generation_tokens_total", .counter, "Number of generation tokens processed.") { $0.generationTokens }
        count("vllm:num_preemptions_total", .counter, "Cumulative number of preemption from the engine.") { _ in 0 }
        count("vllm:num_requests_running", .gauge, "Number of requests in model execution batches.") { $0.running }
        count("vllm:num_requests_waiting", .gauge, "Number of requests waiting to be processed.") { _ in 0 }
        out.family("vllm:kv_cache_usage_perc", .gauge, help: "KV-cache usage. 1 means 100 percent usage.")
        for model in models { out.sample("vllm:kv_cache_usage_perc", labels: [("model_name", model)], 0.0) }
        out.family("http_requests_total", .counter, help: "Total number of requests by method, status and handler.")
        for key in s.http.keys.sorted(by: { ($0.handler, $0.status) < ($1.handler, $1.status) }) {
            out.sample("http_requests_total", labels: [("handler", key.handler), ("method", "POST"), ("status", key.status)], s.http[key]!)
        }
        return out.text
    }

    /// Numbers as Python's prometheus_client writes them (`1.0`, `0.001`, `2560.0`).
    static func number(_ v: Double) -> String { PrometheusExposition(numberStyle: .python).number(v) }
}
