import Foundation
public import TollgateCore

extension PrometheusMetricSource {
    /// Runs each query metric: per arm for a comparison with the baseline, for the candidate only
    /// against `max`/`min`. A query's value is the sum of the series it returns; none is no data.
    public func evaluate(_ custom: [CustomMetricConfig], window: MeasurementWindow) async throws -> [CustomMetricResult] {
        do {
            var results: [CustomMetricResult] = []
            for metric in custom { results.append(try await evaluateOne(metric, window: window)) }
            if !custom.isEmpty { resetFailures() }
            return results
        } catch let error as PrometheusError {
            throw failure(error)
        }
    }

    func value(_ template: String, selector: PromSelector, version: String, window: MeasurementWindow) async throws -> (Double?, String) {
        let query = PromQL.fill(template, selector: selector, version: version, windowSeconds: window.seconds)
        let values = try await client.query(query, at: window.end).map(\.value).filter(\.isFinite)
        return (values.isEmpty ? nil : values.reduce(0, +), query)
    }

    func evaluateOne(_ metric: CustomMetricConfig, window: MeasurementWindow) async throws -> CustomMetricResult {
        let (candidate, candidateQuery) = try await value(metric.query, selector: config.candidate, version: versions.candidate, window: window)
        var result = CustomMetricResult(name: metric.name, outcome: "nodata", candidate: candidate, queries: [candidateQuery],
                                        sentence: "", critical: metric.critical, dryRun: metric.dryRun)
        func number(_ v: Double) -> String { String(format: "%.4g", v) }
        switch metric.check {
        case .max(let bound), .min(let bound):
            let isMax: Bool
            if case .max = metric.check { isMax = true } else { isMax = false }
            guard let candidate else {
                result.sentence = "\(metric.name) has no data: no series matched `\(candidateQuery)`."
                return result
            }
            let ok = isMax ? candidate <= bound : candidate >= bound
            result.outcome = ok ? "pass" : "fail"
            result.sentence = "\(metric.name): the candidate's value \(number(candidate)) is \(ok ? "within" : "beyond") its \(isMax ? "max" : "min") \(number(bound))."
        case .relative(let worse, let tolerance):
            let (baseline, baselineQuery) = try await value(metric.query, selector: config.baseline, version: versions.baseline, window: window)
            result.baseline = baseline
            result.queries.insert(baselineQuery, at: 0)
            guard let baseline, let candidate else {
                result.sentence = "\(metric.name) has no data: no series matched `\(baseline == nil ? baselineQuery : candidateQuery)`."
                return result
            }
            let allowance = tolerance.allowance(baseline: baseline)
            let worseBy = worse == .higher ? candidate - baseline : baseline - candidate
            result.outcome = worseBy > allowance ? "fail" : "pass"
            result.sentence = "\(metric.name): candidate \(number(candidate)) against baseline \(number(baseline)), \(worse == .higher ? "higher" : "lower") is worse; \(worseBy > allowance ? "worse by more than" : "within") the tolerance \(tolerance) (\(number(allowance)))."
        }
        return result
    }
}
