import Foundation
import TollgateCore
import TollgateTraffic

extension QualificationRunner {
    /// A synchronous baseline, then higher closed-loop concurrency until a level breaks an
    /// objective (GuideLLM's and inference-perf's sweep): the highest passing load, the knee and
    /// the latency-vs-load table.
    func sweep(tally: inout ErrorTally) async throws -> SweepResult {
        let s = config.sweep
        var levels: [LoadLevel] = []
        for concurrency in s.concurrency {
            let requests = max(s.minRequests, s.requestsPerSlot * concurrency)
            say(.sweep, "concurrency \(concurrency): \(requests) requests")
            let (report, _) = try await replay(.closedLoop(concurrency: concurrency), requests: requests, warmup: concurrency,
                                               maxTokens: s.maxTokens, step: .sweep)
            guard let summary = report.arms.first else { break }
            tally.add(summary)
            let level = LoadLevel(concurrency: concurrency, summary: summary, breaches: breaches(summary))
            levels.append(level)
            say(.sweep, String(format: "concurrency %d: %.2f req/s, %.0f tok/s, TTFT p95 %@%@", concurrency, summary.requestsPerSecond,
                               summary.outputTokensPerSecond, summary.ttftMs.p95.map { String(format: "%.0f ms", $0) } ?? "-",
                               level.passes ? "" : " — breaks " + level.breaches.joined(separator: ", ")))
            if !level.passes { break }
        }
        return Self.analyse(levels, facts: DeclaredFacts(pipeline))
    }

    /// The objectives `summary` breaks: latency quantiles of `objectives`, and the error rate
    /// (`objectives.error_rate.max`, 1% when not declared).
    func breaches(_ summary: ArmSummary) -> [String] {
        var found: [String] = []
        for (metric, targets) in pipeline.objectives.latency.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let stats: LatencyStats
            switch metric {
            case .ttftMs: stats = summary.ttftMs
            case .itlMs: stats = summary.itlMs
            case .tpotMs: stats = summary.tpotMs
            case .e2eMs, .embeddingMs: stats = summary.e2eMs
            }
            for (quantile, target) in targets.all {
                let value: Double?
                switch quantile {
                case .p50: value = stats.p50
                case .p90: value = stats.p90
                case .p95: value = stats.p95
                case .p99: value = stats.p99
                case .mean: value = stats.mean
                }
                if let value, value > target { found.append(String(format: "%@.%@ %.0f > %.0f", metric.rawValue, quantile.rawValue, value, target)) }
            }
        }
        let maxRate = pipeline.objectives.maxErrorRate ?? 0.01
        let rate = summary.requests > 0 ? Double(summary.requests - summary.succeeded) / Double(summary.requests) : 0
        if rate > maxRate { found.append(String(format: "error_rate %.3f > %.3f", rate, maxRate)) }
        return found
    }

    /// The highest passing level, the knee, per-GPU throughput and cost.
    static func analyse(_ levels: [LoadLevel], facts: DeclaredFacts) -> SweepResult {
        let qualified = levels.prefix(while: \.passes).last
        // The knee: the lowest level within 20% of the highest throughput measured, when a higher
        // level was measured too (otherwise throughput may still be growing: no knee yet).
        let best = levels.map(\.summary.requestsPerSecond).max() ?? 0
        let first = levels.firstIndex { $0.summary.requestsPerSecond >= 0.8 * best }
        let knee = first.flatMap { $0 < levels.count - 1 ? levels[$0].concurrency : nil }
        let tokens = qualified?.summary.outputTokensPerSecond
        let gpus = facts.gpuCount
        var cost: Double?
        if let price = facts.perGPUHourUSD, let tokens, tokens > 0 {
            cost = price * Double(gpus ?? 1) / (tokens * 3600) * 1000
        }
        return SweepResult(levels: levels, qualifiedConcurrency: qualified?.concurrency,
                           qualifiedRequestsPerSecond: qualified?.summary.requestsPerSecond,
                           qualifiedOutputTokensPerSecond: tokens, kneeConcurrency: knee, gpuCount: gpus,
                           outputTokensPerSecondPerGPU: gpus.flatMap { g in tokens.map { $0 / Double(g) } },
                           costPer1kOutputTokensUSD: cost)
    }
}
