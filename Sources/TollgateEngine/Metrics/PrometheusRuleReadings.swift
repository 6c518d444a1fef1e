import Foundation
public import TollgateCore
import TollgateStats

extension PrometheusMetricSource {
    /// The preset's series for the number `rule` compares, when the preset maps it: the error-rate
    /// counters for `error_rate`, the metric's histogram for an `objective`.
    func series(for rule: RollbackRule) -> PrometheusPreset.Series? {
        switch rule {
        case .errorRate:
            return preset.series[.errorRate]
        case .objective(let metric, _, _):
            guard let name = MetricName(rawValue: metric.rawValue), case .histogram? = preset.series[name] else { return nil }
            return preset.series[name]
        case .analysis, .alert, .drift:
            return nil
        }
    }

    public func reads(_ rule: RollbackRule) -> Bool { series(for: rule) != nil }

    /// Reads the candidate's number of each rule the preset maps, over the stage's window: the error
    /// rate from the counters' increases, an objective's quantile from the histogram's bucket
    /// increases (interpolated as `histogram_quantile` does), its mean from the `_sum` and `_count`
    /// increases. No series or no request in the window is `nodata` with the query.
    public func readings(for rules: [RollbackRule], window: MeasurementWindow) async throws -> [String: RuleReading] {
        do {
            var out: [String: RuleReading] = [:]
            for rule in rules {
                guard let series = series(for: rule) else { continue }
                out[RollbackRuleEvaluator.id(of: rule)] = try await reading(rule, series, window: window)
            }
            return out
        } catch let error as PrometheusError {
            throw failure(error)
        }
    }

    func reading(_ rule: RollbackRule, _ series: PrometheusPreset.Series, window: MeasurementWindow) async throws -> RuleReading {
        let arm = config.candidate
        func empty(_ query: String) -> RuleReading {
            .nodata(reason: "the window (\(Int(window.seconds.rounded())) s) holds no candidate requests in `\(query)`")
        }
        switch series {
        case .rate(let events, let eventMatchers, let total, let totalMatchers):
            let (n, qn) = try await counter(total, arm.adding(totalMatchers), window: window)
            let (e, qe) = try await counter(events, arm.adding(eventMatchers), window: window)
            guard let n else { return .nodata(reason: "no series matched `\(qn)`") }
            guard n > 0 else { return empty(qn) }
            return .rate(errors: min(e ?? 0, n), requests: n, queries: [qe, qn])
        case .histogram(let name, let scale, _):
            guard case .objective(_, let quantile, _) = rule else { return .nodata(reason: "not a latency rule") }
            guard let level = quantile.level else {
                let (sum, qs) = try await increase(name + "_sum", arm, window: window)
                let (count, qc) = try await counter(name + "_count", arm, window: window)
                guard let sum, let count else { return .nodata(reason: "no series matched `\(sum == nil ? qs : qc)`") }
                guard count > 0 else { return empty(qc) }
                return .latency(ms: sum / Double(count) * scale, requests: count, queries: [qs, qc])
            }
            let (b, query) = try await buckets(name, arm, window: window)
            guard let b else { return .nodata(reason: "no series matched `\(query)`") }
            let histogram = ScaledHistogram(edges: b.edges.map { $0 * scale }, counts: b.counts.counts)
            guard let value = histogram.quantile(level) else { return empty(query) }
            return .latency(ms: value, requests: b.counts.total, queries: [query])
        }
    }
}
