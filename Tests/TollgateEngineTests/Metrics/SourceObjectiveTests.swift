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
        let breached = rules.evaluate(candidate: [], verdict: verdict, previous: [:]) { metric, level in
            metric == .ttftMs && level == 0.95 ? 1100 : nil
        }
        #expect(breached.trigger?.rule == "objective:ttft_ms.p95")
        #expect(breached.trigger?.reason.contains("1100.0 ms (the metrics source's histogram)") == true, "\(breached.trigger?.reason ?? "")")
        let within = rules.evaluate(candidate: [], verdict: verdict, previous: [:]) { _, _ in 900 }
        #expect(within.trigger == nil && within.breaches.isEmpty)
        // Without a source value the samples decide, as before.
        let samples = (0..<20).map { Sample(requestID: "r\($0)", arm: .candidate, startedAt: Date(), ttftMs: 1200, e2eMs: 1300) }
        #expect(rules.evaluate(candidate: samples, verdict: verdict, previous: [:]).trigger?.rule == "objective:ttft_ms.p95")
    }
}
