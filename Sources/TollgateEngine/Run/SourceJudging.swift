import Foundation
import TollgateCore

extension RolloutEngine {
    /// A check's verdict with the per-arm counts it was judged on, and the source's failure if it failed.
    struct JudgedCheck {
        var verdict: StageVerdict
        var baseline: Int
        var candidate: Int
        var failure: MetricSourceFailure?
        /// The candidate's numbers the source read for the rollback rules it reads, by rule id.
        var readings: [String: RuleReading] = [:]
    }

    /// The metric source of a check: canary checks (`sequential`) read the pipeline's
    /// `metrics_source` when it has one; shadow checks and the rest read Tollgate's samples.
    func metricSource(sequential: Bool) -> any MetricSource {
        sequential ? (deps.metricSource ?? StoredSampleSource()) : StoredSampleSource()
    }

    /// The stage's window so far (from its start to now) with the samples stored in it.
    func stageWindow(_ index: Int, state: RunState, baseline: [Sample], candidate: [Sample]) -> MeasurementWindow {
        MeasurementWindow(start: state.stageStartedAt[index] ?? deps.clock.now(), end: deps.clock.now(), baseline: baseline, candidate: candidate)
    }

    /// The rules' readings after the source failed: `nodata` with the reason for every rule it reads.
    static func unreadable(_ rules: [RollbackRule], by source: any MetricSource, reason: String) -> [String: RuleReading] {
        Dictionary(rules.filter { source.reads($0) }.map { (RollbackRuleEvaluator.id(of: $0), RuleReading.nodata(reason: reason)) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// Measures the stage's window with its metric source (canary stages: the pipeline's
    /// `metrics_source`, else Tollgate's samples; shadow stages: the samples) and judges it. A source
    /// failure is its own outcome, never a pass: a `hold` verdict whose metrics are all `nodata`, with the reason.
    func measureAndJudge(_ index: Int, sequential: Bool, state: RunState, request: JudgeRequest) async throws -> JudgedCheck {
        let source = metricSource(sequential: sequential)
        let window = stageWindow(index, state: state, baseline: request.baseline, candidate: request.candidate)
        var request = request
        let measurement: StageMeasurement
        var custom: [CustomMetricResult] = []
        var readings: [String: RuleReading] = [:]
        do {
            measurement = try await source.measure(pipeline.analysis.metrics, window: window)
            if sequential {
                custom = try await source.evaluate(pipeline.analysis.customMetrics, window: window)
                readings = try await source.readings(for: rules.rules, window: window)
            }
        } catch let failure as MetricSourceFailure {
            let limit = pipeline.metricsSource?.errorLimit ?? 1
            let summary = "No data: the metrics source failed (\(failure.consecutive) of \(limit) consecutive failures allowed): \(failure.reason)"
            let verdict = StageVerdict(decision: .hold, score: nil, summary: summary,
                                       metrics: pipeline.analysis.metrics.map {
                                           .init(metric: PipelineJudge.criterionName($0) + ($0.dryRun ? " (dry run)" : ""), outcome: "nodata",
                                                 sentence: "Not measured: \(failure.reason)")
                                       } + pipeline.analysis.customMetrics.map {
                                           .init(metric: $0.name + ($0.dryRun ? " (dry run)" : ""), outcome: "nodata", sentence: "Not measured: \(failure.reason)")
                                       },
                                       detailJSON: Self.jsonObjectText(["metrics_source": ["source": .string(source.summary),
                                                                                           "error": .string(failure.reason),
                                                                                           "consecutive_failures": .integer(failure.consecutive)]]))
            return JudgedCheck(verdict: verdict, baseline: 0, candidate: 0, failure: failure,
                               readings: Self.unreadable(rules.rules, by: source, reason: failure.reason))
        }
        request.observations = measurement.observations
        request.measuredCounts = (measurement.baselineCount, measurement.candidateCount)
        var verdict = try deps.judge.judge(request)
        if !measurement.measured.isEmpty { verdict = Self.annotate(verdict, with: measurement) }
        if !custom.isEmpty { verdict = Self.apply(custom, to: verdict) }
        if !readings.isEmpty, case .object(var detail) = verdict.detail {
            // What the rollback rules read from the source at this check (the journal's answer to "why did it not fire").
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(readings), let value = JSONValue.parse(data) { detail["rule_readings"] = value }
            verdict.detail = .object(detail)
        }
        return JudgedCheck(verdict: verdict, baseline: measurement.baselineCount, candidate: measurement.candidateCount, failure: nil,
                           readings: readings)
    }

    /// After `metrics_source.source_errors` consecutive failures, does `on_source_error`. Returns whether the stage ended.
    func actOnSourceFailure(_ index: Int, _ failure: MetricSourceFailure) async throws -> Bool {
        guard let config = pipeline.metricsSource, failure.consecutive >= config.errorLimit else { return false }
        let reason = "the metrics source failed at \(failure.consecutive) consecutive checks: \(failure.reason)"
        switch config.onSourceError {
        case .pause:
            try pause(index, reason: reason + " (on_source_error: pause; resume when it is back)")
            return true
        case .rollback:
            try await rollback(stage: index, reason: reason, trigger: "on_source_error", numbers: ["consecutive_failures": Double(failure.consecutive)])
            return true
        case .hold:
            return false
        }
    }

    /// Adds how each metric was measured (queries, window, per-arm counts, nodata reasons) to the
    /// verdict's lines and, as `metrics_source`, to its detail.
    static func annotate(_ verdict: StageVerdict, with m: StageMeasurement) -> StageVerdict {
        var out = verdict
        let byName = Dictionary(m.measured.map { ($0.metric, $0) }, uniquingKeysWith: { a, _ in a })
        out.metrics = verdict.metrics.map { line in
            let name = line.metric.hasSuffix(" (dry run)") ? String(line.metric.dropLast(" (dry run)".count)) : line.metric
            guard let measured = byName[name] else {
                return .init(metric: line.metric, outcome: line.outcome, sentence: line.sentence + " [from Tollgate's samples: \(m.source) does not export it]")
            }
            var note = " [\(m.source): window \(Int(measured.windowSeconds.rounded())) s, baseline \(measured.baselineCount) / candidate \(measured.candidateCount)"
            if let b = measured.baselineObservations, let c = measured.candidateObservations {
                note += " requests (weighted from \(b) / \(c) observations: several per request)"
            }
            if let p = measured.binnedMannWhitneyP { note += String(format: ", binned Mann–Whitney one-sided p %.4g", p) }
            if let reason = measured.nodataReason { note += "; no data: \(reason)" }
            note += "; " + measured.queries.map { "`\($0)`" }.joined(separator: ", ") + "]"
            return .init(metric: line.metric, outcome: line.outcome, sentence: line.sentence + note)
        }
        let requests = byName["requests"]
        out.summary = "Judged from \(m.source) over \(Int((requests?.windowSeconds ?? 0).rounded())) s (baseline \(m.baselineCount), candidate \(m.candidateCount) requests): " + verdict.summary
        if case .object(var detail) = verdict.detail {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(m.measured), let measured = JSONValue.parse(data) {
                detail["metrics_source"] = .object(["source": .string(m.source), "measured": measured])
            }
            out.detail = .object(detail)
        }
        return out
    }

    /// Adds the query metrics' lines to the verdict and lets the decisive ones weigh in: a failing
    /// critical one rolls back; a failing other one, or one without data, keeps the stage from promoting.
    /// They are threshold checks on one number per arm, not statistical tests.
    static func apply(_ results: [CustomMetricResult], to verdict: StageVerdict) -> StageVerdict {
        var out = verdict
        out.metrics += results.map { r in
            .init(metric: r.name + (r.dryRun ? " (dry run)" : ""), outcome: r.outcome,
                  sentence: (r.dryRun ? "Measured, never decides: " : "") + r.sentence + " [" + r.queries.map { "`\($0)`" }.joined(separator: ", ") + "]")
        }
        let decisive = results.filter { !$0.dryRun }
        if let failed = decisive.first(where: { $0.outcome == "fail" && $0.critical }) {
            out.decision = .rollback
            out.summary = "Critical query metric \(failed.name) fails (\(failed.sentence)); roll back. " + verdict.summary
        } else if verdict.decision == .promote, let open = decisive.first(where: { $0.outcome != "pass" }) {
            out.decision = .hold
            out.summary = "Query metric \(open.name) is \(open.outcome == "fail" ? "failing" : "without data") (\(open.sentence)), so the stage does not promote yet. " + verdict.summary
        }
        if case .object(var detail) = out.detail {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(results), let value = JSONValue.parse(data) { detail["query_metrics"] = value }
            out.detail = .object(detail)
        }
        return out
    }

    static func jsonObjectText(_ object: [String: [String: JSONValue]]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let value = JSONValue.object(object.mapValues { .object($0) })
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
