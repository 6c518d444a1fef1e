import Foundation
import TollgateCore
import TollgateTraffic

extension QualificationRunner {
    /// The pipeline's `reliability.timeouts` against the measured p99 TTFT, longest inter-token gap
    /// and p99 E2E at the qualified load (else the first level of the sweep, else the warmup).
    func timeoutAlignment(sweep: SweepResult?, warmup: WarmupResult?) -> TimeoutAlignment? {
        let level = sweep.flatMap { s in s.levels.last { $0.concurrency == s.qualifiedConcurrency } ?? s.levels.first }
        guard let summary = level?.summary, summary.succeeded > 0 else { return nil }
        let r = pipeline.reliability
        let total = r.totalTimeout ?? pipeline.traffic.timeout
        let needs: [(String, Duration?, Double?)] = [
            ("first_token", r.firstTokenTimeout, summary.ttftMs.p99),
            ("idle", r.idleTimeout, summary.itlMs.max),
            ("total", total, summary.e2eMs.p99),
        ]
        let factor = config.timeouts.looseFactor
        let checks = needs.map { name, configured, measuredMs -> TimeoutAlignment.Check in
            let c = configured.map(DurationText.seconds)
            let m = measuredMs.map { $0 / 1000 }
            var problem: String?
            if let c, let m {
                if c < m {
                    problem = String(format: "cuts healthy requests: %@ is below the measured %.3fs", DurationText.format(configured!), m)
                } else if m > 0, c > factor * m {
                    problem = String(format: "looser than needed: %.0f× the measured %.3fs", c / m, m)
                }
            }
            return TimeoutAlignment.Check(timeout: name, configuredSeconds: c, measuredSeconds: m, problem: problem)
        }
        say(.timeouts, checks.map { "\($0.timeout): " + ($0.problem ?? "aligned") }.joined(separator: "; "))
        return TimeoutAlignment(atConcurrency: level?.concurrency, checks: checks)
    }

    /// The error classes seen against those declared, and the declared metrics on `/metrics`.
    func observability(seen: ErrorTally) async -> ObservabilityResult {
        let facts = DeclaredFacts(pipeline)
        let declared = facts.errorClasses
        let undeclared = seen.counts.keys.filter { !declared.contains($0) }.sorted()
        var found: [String: [String]] = [:]
        var missing: [String: [String]] = [:]
        var failure: String?
        let url = config.observability.metricsURL
        if let url {
            say(.observability, "reading \(url)")
            let (status, text, error) = await get(url)
            if status == 200 {
                let exposed = PrometheusNames.parse(text)
                for (item, key) in [("observability.gpu", "observability.gpu_metrics"), ("observability.cache", "observability.cache_metrics"),
                                    ("observability.throughput", "observability.throughput_metrics")] {
                    let names = DeclaredFacts.metricNames(pipeline.facts[key] ?? "")
                    guard !names.isEmpty else { continue }
                    found[item] = names.filter { PrometheusNames.exposes(exposed, $0) }
                    missing[item] = names.filter { !PrometheusNames.exposes(exposed, $0) }
                }
            } else {
                failure = status.map { "\(url) answered HTTP \($0)" } ?? "\(url) could not be read: \(error ?? "no answer")"
            }
        }
        return ObservabilityResult(declaredErrorClasses: declared, undeclaredSeen: undeclared, metricsURL: url,
                                   metricsFound: found, metricsMissing: missing, metricsError: failure)
    }
}

/// Metric names in a Prometheus text exposition.
enum PrometheusNames {
    /// Every sample's metric name (the text before `{` or a space on lines not starting with `#`).
    static func parse(_ text: String) -> Set<String> {
        var names = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            if !name.isEmpty { names.insert(String(name)) }
        }
        return names
    }

    /// Whether `name` is exposed: itself, a counter's `_total`, or a histogram's or summary's parts.
    static func exposes(_ exposed: Set<String>, _ name: String) -> Bool {
        exposed.contains(name) || exposed.contains(name + "_total")
            || ["_bucket", "_sum", "_count"].contains { exposed.contains(name + $0) }
    }
}
