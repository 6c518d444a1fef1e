import Foundation
public import TollgateCore
import TollgateTraffic

/// Turns a qualification's measurements into a verdict per checklist item: measured and within
/// its objective, measured and outside it (with the numbers), declared only, or missing.
public enum QualificationVerdicts {
    /// A measurement of one item: what was measured, what it was compared with, and whether it passed.
    struct Measured {
        var measured: String
        var objective: String?
        var within: Bool
    }

    /// Every checklist item, in checklist order, with its verdict.
    public static func items(pipeline: Pipeline, report: QualificationReport) -> [ItemVerdict] {
        let measured = measurements(pipeline: pipeline, report: report)
        return Checklist.report(for: pipeline).flatMap { section in
            section.items.map { item in
                let declared = item.values.sorted { $0.key < $1.key }.map { "\($0.key): \(oneLine($0.value))" }.joined(separator: "; ")
                let verdict: ItemVerdict.Verdict
                let m = measured[item.id]
                if let m { verdict = m.within ? .within : .outside } else { verdict = item.declared ? .declaredOnly : .missing }
                return ItemVerdict(id: item.id, section: section.number, text: item.text, required: item.required,
                                   declared: declared.isEmpty ? nil : declared, measured: m?.measured, objective: m?.objective, verdict: verdict)
            }
        }
    }

    static func measurements(pipeline: Pipeline, report: QualificationReport) -> [String: Measured] {
        var out: [String: Measured] = [:]
        let facts = DeclaredFacts(pipeline)
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        if let c = report.coldStart {
            let objective = c.declaredSeconds.map { "autoscaling.cold_start \(f($0))s" }
            out["autoscaling.cold_start"] = Measured(
                measured: "median \(f(c.medianSeconds, 2))s, max \(f(c.maxSeconds, 2))s over \(c.seconds.count) \(c.method == "start_command" ? "start" : "restart")(s)",
                objective: objective, within: c.declaredSeconds.map { c.medianSeconds <= $0 } ?? true)
        }
        if let w = report.warmup {
            let first = w.firstRequestTtftMs.map { ", first request TTFT \(f($0)) ms" } ?? ""
            let steady = w.steadyTtftP50Ms.map { ", steady TTFT p50 \(f($0)) ms" } ?? ""
            let count = w.warmupRequests.map { "\($0) request(s) to warm up" } ?? "no steady state within \(w.requests) requests"
            let m = Measured(measured: count + first + steady, objective: w.declaredRequests.map { "declared \($0) warm-up request(s)" },
                             within: w.warmupRequests.map { n in w.declaredRequests.map { n <= $0 } ?? true } ?? false)
            out["autoscaling.warmup"] = m
            out["reliability.warmup"] = m
        }
        if let s = report.sweep, let first = s.levels.first {
            let sync = first.summary
            out["objectives.latency"] = Measured(
                measured: "concurrency \(first.concurrency): TTFT p50/p95 \(ms(sync.ttftMs.p50))/\(ms(sync.ttftMs.p95)), ITL p50/p95 \(ms(sync.itlMs.p50))/\(ms(sync.itlMs.p95)), E2E p95 \(ms(sync.e2eMs.p95))"
                    + (first.passes ? "" : "; breaks " + first.breaches.joined(separator: ", ")),
                objective: latencyObjectives(pipeline), within: first.passes)
            let table = s.levels.map { "c\($0.concurrency) \(f($0.summary.requestsPerSecond, 2)) req/s" }.joined(separator: ", ")
            let knee = s.kneeConcurrency.map { ", knee at concurrency \($0)" } ?? ""
            if let rps = s.qualifiedRequestsPerSecond, let tps = s.qualifiedOutputTokensPerSecond, let c = s.qualifiedConcurrency {
                var checks: [(String, Bool)] = []
                if let min = pipeline.objectives.minRequestsPerSecond { checks.append(("≥ \(f(min)) req/s", rps >= min)) }
                if let min = pipeline.objectives.minOutputTokensPerSecond { checks.append(("≥ \(f(min, 0)) output tok/s", tps >= min)) }
                out["objectives.throughput"] = Measured(
                    measured: "\(f(rps, 2)) req/s, \(f(tps, 0)) output tok/s" + (qualifiedGoodput(s).map { ", goodput \(f($0, 2)) req/s" } ?? "")
                        + " at concurrency \(c) (highest meeting every objective)\(knee); \(table)",
                    objective: checks.isEmpty ? nil : checks.map(\.0).joined(separator: ", "), within: checks.allSatisfy(\.1))
                let perGPU = s.outputTokensPerSecondPerGPU ?? tps
                let declaredPerGPU = facts.throughputPerGPU
                out["compute.throughput"] = Measured(
                    measured: "\(f(perGPU, 0)) output tok/s per GPU" + (s.gpuCount == nil ? " (compute.gpu_count not given: 1 assumed)" : " over \(s.gpuCount!) GPU(s)"),
                    objective: declaredPerGPU.map { "compute.throughput_per_gpu \(f($0, 0))" }, within: declaredPerGPU.map { perGPU >= $0 } ?? true)
                if let cost = s.costPer1kOutputTokensUSD {
                    let target = facts.per1kOutputTokensUSD
                    out["objectives.cost"] = Measured(measured: String(format: "$%.6f per 1k output tokens", cost),
                                                      objective: target.map { String(format: "≤ $%.6f", $0) }, within: target.map { cost <= $0 } ?? true)
                }
            } else {
                out["objectives.throughput"] = Measured(measured: "no load level met every objective; \(table)",
                                                        objective: latencyObjectives(pipeline), within: false)
            }
        }
        if let b = report.burst {
            let errors = b.summary.requests - b.summary.succeeded
            let other = errors - b.shed
            let recovered = b.recoverySeconds.map { "recovered in \(f($0, 2))s" } ?? "not recovered"
            out["reliability.burst_test"] = Measured(
                measured: "\(f(b.rate)) req/s for \(f(b.durationSeconds, 0))s: \(b.summary.requests) requests, \(errors) error(s) (\(b.shed) shed with 429/503, \(b.timedOut) timed out), TTFT p95 \(ms(b.summary.ttftMs.p95)), \(recovered)",
                objective: "no errors but shed load; back to steady state within \(f(DurationText.seconds(pipeline.qualify.burst.recoveryTimeout), 0))s",
                within: other == 0 && b.recoverySeconds != nil)
            out["reliability.retries"] = Measured(
                measured: b.shed > 0 ? "the server sheds load: \(b.shed) request(s) refused with 429/503" + (b.timedOut > 0 ? ", \(b.timedOut) timed out" : "")
                    : (b.timedOut > 0 ? "no backpressure: \(b.timedOut) request(s) timed out, none refused with 429/503" : "no request refused or timed out under the burst"),
                objective: "backpressure (429/503) rather than timeouts", within: b.timedOut == 0)
        }
        if let v = report.inputVariability {
            let buckets = v.buckets.map { "\($0.inputTokens) tok: \($0.succeeded)/\($0.requests) ok, TTFT p50 \(ms($0.ttftP50Ms))" }.joined(separator: "; ")
            let unusual = v.unusual.map { "\($0.name): \($0.handled ? ($0.errorClass ?? "ok") : "NOT handled (\($0.errorClass ?? "?"))")" }.joined(separator: "; ")
            let over = v.overLimit.map { "over the limit: \($0.errorClass ?? "accepted")" + ($0.status.map { " (HTTP \($0))" } ?? "") }
            let bucketsOK = v.buckets.allSatisfy { $0.succeeded == $0.requests }
            out["reliability.input_variability"] = Measured(
                measured: [buckets, over, unusual].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "; "),
                objective: "every length up to the limit served; over it context_length; unusual inputs served or refused with a 4xx",
                within: bucketsOK && (v.overLimit?.handled ?? true) && v.unusual.allSatisfy(\.handled))
            if let o = v.overLimit, let limit = v.maxInputTokens {
                out["model.max_input_tokens"] = Measured(measured: "\(o.name) → \(o.errorClass ?? "accepted (no error)")",
                                                         objective: "context_length above \(limit) tokens", within: o.handled)
            }
        }
        if let t = report.timeouts {
            let text = t.checks.map { c in
                "\(c.timeout) \(c.configuredSeconds.map { f($0, 3) + "s" } ?? "unset") vs needed \(c.measuredSeconds.map { f($0, 3) + "s" } ?? "-")" + (c.problem.map { " (\($0))" } ?? "")
            }.joined(separator: "; ")
            out["reliability.timeouts"] = Measured(measured: text + (t.atConcurrency.map { " at concurrency \($0)" } ?? ""),
                                                   objective: "above the measured need, at most \(f(pipeline.qualify.timeouts.looseFactor, 0))× it", within: t.aligned)
        }
        if let o = report.observability {
            let seen = report.errorClassesSeen.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out["observability.error_classes"] = Measured(
                measured: "seen: " + (seen.isEmpty ? "none" : seen) + (o.undeclaredSeen.isEmpty ? "" : "; not declared: " + o.undeclaredSeen.joined(separator: ", ")),
                objective: o.declaredErrorClasses.isEmpty ? nil : "declared: " + o.declaredErrorClasses.joined(separator: ", "),
                within: o.undeclaredSeen.isEmpty)
            for (item, names) in o.metricsFound {
                let missing = o.metricsMissing[item] ?? []
                out[item] = Measured(measured: "on /metrics: " + (names.isEmpty ? "none" : names.joined(separator: ", ")) + (missing.isEmpty ? "" : "; missing: " + missing.joined(separator: ", ")),
                                     objective: "every declared metric exposed", within: missing.isEmpty)
            }
        }
        return out
    }

    /// Requests per second that met the goodput thresholds at the qualified level.
    static func qualifiedGoodput(_ s: SweepResult) -> Double? {
        s.levels.first { $0.concurrency == s.qualifiedConcurrency }?.summary.goodputPerSecond
    }

    static func latencyObjectives(_ pipeline: Pipeline) -> String? {
        let parts = pipeline.objectives.latency.sorted { $0.key.rawValue < $1.key.rawValue }.flatMap { metric, q in
            q.all.map { "\(metric.rawValue).\($0.0) ≤ \(String(format: "%.0f", $0.1))" }
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static func ms(_ v: Double?) -> String { v.map { String(format: "%.1f ms", $0) } ?? "-" }

    /// `text` on one line, cut to 100 characters (for declared values in checklists).
    public static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return flat.count > 100 ? String(flat.prefix(97)) + "..." : flat
    }
}
