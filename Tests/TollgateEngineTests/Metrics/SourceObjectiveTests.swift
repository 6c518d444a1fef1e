import Foundation
import Testing
import TollgateCore
import TollgateTestSupport
@testable import TollgateEngine

@Suite("Objectives on a metrics source's histogram")
struct SourceObjectiveTests {
    @Test func quantilesInterpolateWithinTheBucketAsHistogramQuantileDoes() {
        // Prometheus' histogram_quantile: the bucket holding rank q·n, linear from its lower edge.
        let h = ScaledHistogram(edges: [100, 250, .infinity], counts: [30, 15, 0])
        #expect(h.quantile(0.5) == 75)                      // rank 22.5 of 30 in (0, 100]
        #expect(abs(h.quantile(0.95)! - 227.5) < 1e-9)      // rank 42.75: 100 + 150 · 12.75/15
        let tail = ScaledHistogram(edges: [100, 250, .infinity], counts: [10, 10, 5])
        #expect(tail.quantile(0.99) == 250)                 // in +Inf: the last finite edge
        #expect(ScaledHistogram(edges: [100, .infinity], counts: [0, 0]).quantile(0.5) == nil)
    }

    @Test func anObjectiveIsJudgedOnTheSourcesQuantileWhenItHasOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The fixture's objective: ttft_ms p95 1000 ms.
        let pipeline = try DocumentLoader.loadPipeline(at: try EngineFixtures.pipeline(in: folder.url, stages: "  - full: {}"))
        let rules = RollbackRuleEvaluator(rules: [.objective(metric: .ttftMs, quantile: .p95, consecutive: 1)], objectives: pipeline.objectives)
        let verdict = StageVerdict(decision: .hold, score: nil, summary: "", metrics: [], detailJSON: "{}")
        // No stored samples (users reach the versions through another router): the source decides.
        let breached = rules.evaluate(candidate: [], verdict: verdict, previous: [:],
                                      readings: ["objective:ttft_ms.p95": .latency(ms: 1100, requests: 40, queries: ["q"])])
        #expect(breached.trigger?.rule == "objective:ttft_ms.p95")
        #expect(breached.trigger?.reason.contains("1100.0 ms (the metrics source's histogram: `q`)") == true, "\(breached.trigger?.reason ?? "")")
        #expect(breached.trigger?.numbers["samples"] == 40)
        let within = rules.evaluate(candidate: [], verdict: verdict, previous: [:],
                                    readings: ["objective:ttft_ms.p95": .latency(ms: 900, requests: 40, queries: ["q"])])
        #expect(within.trigger == nil && within.breaches.isEmpty)
        // Without a source value the samples decide, as before.
        let samples = (0..<20).map { Sample(requestID: "r\($0)", arm: .candidate, startedAt: Date(), ttftMs: 1200, e2eMs: 1300) }
        #expect(rules.evaluate(candidate: samples, verdict: verdict, previous: [:]).trigger?.rule == "objective:ttft_ms.p95")
        // A source that read nothing: no data, never a pass nor a fallback to the samples.
        let unread = rules.evaluate(candidate: samples, verdict: verdict, previous: [:],
                                    readings: ["objective:ttft_ms.p95": .nodata(reason: "no series matched `q`")])
        #expect(unread.trigger == nil && unread.breaches.isEmpty && unread.unmeasured == ["objective:ttft_ms.p95"])
    }

    @Test func theErrorRateRuleAndMeanObjectivesReadTheSourceWhenItHasReadings() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pipeline = try DocumentLoader.loadPipeline(at: try EngineFixtures.pipeline(in: folder.url, stages: "  - full: {}"))
        var objectives = pipeline.objectives
        objectives.latency[.e2eMs] = QuantileTargets(mean: 500)
        let rules = RollbackRuleEvaluator(rules: [.errorRate(above: 0.05, consecutive: 2),
                                                  .objective(metric: .e2eMs, quantile: .mean, consecutive: 1)], objectives: objectives)
        let verdict = StageVerdict(decision: .hold, score: nil, summary: "", metrics: [], detailJSON: "{}")
        // The samples are all good (the gateway saw none fail); the source's counters say 12 of 100 failed.
        let samples = (0..<50).map { Sample(requestID: "r\($0)", arm: .candidate, startedAt: Date(), ttftMs: 100, e2eMs: 300) }
        let readings: [String: RuleReading] = [
            "error_rate>0.05": .rate(errors: 12, requests: 100, queries: ["errors", "total"]),
            "objective:e2e_ms.mean": .latency(ms: 640, requests: 100, queries: ["sum", "count"]),
        ]
        let first = rules.evaluate(candidate: samples, verdict: verdict, previous: [:], readings: readings)
        #expect(first.breaches == ["error_rate>0.05", "objective:e2e_ms.mean"])
        #expect(first.trigger?.rule == "objective:e2e_ms.mean")
        #expect(first.trigger?.reason.contains("640.0 ms (the metrics source's _sum / _count: `sum`, `count`), over its objective of 500.0 ms") == true, "\(first.trigger?.reason ?? "")")
        // ×2 consecutive: the second breach fires, naming the counters.
        let second = RollbackRuleEvaluator(rules: [.errorRate(above: 0.05, consecutive: 2)], objectives: objectives)
            .evaluate(candidate: samples, verdict: verdict, previous: ["error_rate>0.05": 1], readings: readings)
        let trigger = try #require(second.trigger)
        #expect(trigger.rule == "error_rate>0.05" && trigger.numbers["errors"] == 12 && trigger.numbers["requests"] == 100)
        #expect(trigger.numbers["consecutive_checks"] == 2)
        #expect(trigger.reason.contains("12 of 100 requests failed, from the metrics source's counters: `errors`, `total`)"), "\(trigger.reason)")
        // Without readings the samples decide (no failures there).
        #expect(rules.evaluate(candidate: samples, verdict: verdict, previous: [:]).breaches.isEmpty)
    }
}
