import Foundation

extension MetricName {
    /// One arm's observations of this metric, the values a judge compares and a report plots.
    ///
    /// Successful requests only for latencies: `ttft_ms`, `e2e_ms`, `tpot_ms`, `embedding_ms` one
    /// value per request; `itl_ms` the mean inter-token gap of each request (one value per request
    /// keeps the observations independent); `output_tokens` per request; `error_rate` 1 for a failed
    /// request, else 0; `timeout_rate` 1 for a timeout. `quality` and `refusal_rate` come from eval
    /// suites, `queue_ms` from the model server's metrics, not from samples: empty here.
    public func observations(in samples: [Sample]) -> [Double] {
        let ok = samples.filter(\.succeeded)
        switch self {
        case .ttftMs: return ok.compactMap(\.ttftMs)
        case .e2eMs, .embeddingMs: return ok.compactMap(\.e2eMs)
        case .tpotMs: return ok.compactMap(\.timePerOutputTokenMs)
        case .itlMs:
            return ok.compactMap { s in
                let gaps = s.interTokenLatenciesMs
                return gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
            }
        case .outputTokens: return ok.compactMap { $0.outputTokens.map(Double.init) }
        case .errorRate: return samples.map { $0.succeeded ? 0 : 1 }
        case .timeoutRate:
            return samples.map { [.timeoutFirstToken, .timeoutIdle, .timeoutTotal].contains($0.errorClass) ? 1 : 0 }
        case .quality, .refusalRate, .queueMs: return []
        }
    }

    /// Whether the metric is a latency in milliseconds (plotted on a log axis).
    public var isLatency: Bool { [.ttftMs, .itlMs, .tpotMs, .e2eMs, .queueMs, .embeddingMs].contains(self) }

    /// Whether only the model server can measure the metric: `queue_ms`, the time a request waited
    /// in the server's queue, which a client's samples cannot tell from the prefill. Such a metric is
    /// judged only where a `metrics_source` whose preset maps it measures the canary.
    public var needsMetricsSource: Bool { self == .queueMs }
}

extension MetricName {
    /// The metric a latency objective or rollback rule names.
    public init(_ latency: LatencyMetric) {
        switch latency {
        case .ttftMs: self = .ttftMs
        case .itlMs: self = .itlMs
        case .tpotMs: self = .tpotMs
        case .e2eMs: self = .e2eMs
        case .embeddingMs: self = .embeddingMs
        }
    }
}

extension DriftFeature {
    /// The metric whose ``MetricName/observations(in:)`` are this numeric feature's values; `nil`
    /// for categorical features and embeddings.
    public var metricName: MetricName? {
        switch self {
        case .ttftMs: return .ttftMs
        case .itlMs: return .itlMs
        case .e2eMs: return .e2eMs
        case .outputTokens: return .outputTokens
        case .finishReason, .errorClass, .refusalRate, .jsonValidity, .embeddings: return nil
        }
    }
}

