import Foundation
import Testing
@testable import TollgateCore
@testable import TollgateEngine

/// One rule extracts a metric's per-request values: the judge, the rollback objectives and the
/// drift features (DriftFeatureValueTests) all read ``MetricName/observations(in:)``.
@Suite("Per-request metric values")
struct MetricExtractionTests {
    /// Requests with ten 10 ms gaps and one 100 ms stall: each request's mean gap is ~18.2 ms,
    /// while 1 gap in 11 (9%) is 100 ms, so the pooled p95 of the gaps would be 100 ms.
    static func stalledRequests(_ count: Int) -> [Sample] {
        (0..<count).map { i in
            var times = (0...10).map { Double($0) * 10 }
            times.append(times.last! + 100)
            return Sample(requestID: "r\(i)", arm: .candidate, startedAt: Date(timeIntervalSince1970: 0), ttftMs: 50, chunkTimesMs: times, e2eMs: 250)
        }
    }

    @Test func anITLObjectiveJudgesEachRequestsMeanGapAsTheJudgeAndTheMetricsSourceDo() {
        let samples = Self.stalledRequests(40)
        let perRequest = RollbackRuleEvaluator.values(of: .itlMs, in: samples)
        #expect(perRequest.count == 40)
        #expect(abs(perRequest[0] - 200.0 / 11) < 1e-9)
        #expect(perRequest == MetricName.itlMs.observations(in: samples))
        let objectives = Objectives(latency: [.itlMs: QuantileTargets(p95: 50)])
        let evaluator = RollbackRuleEvaluator(rules: [.objective(metric: .itlMs, quantile: .p95, consecutive: 1)], objectives: objectives)
        let verdict = StageVerdict(decision: .hold, score: nil, summary: "", metrics: [], detailJSON: "{}")
        #expect(evaluator.evaluate(candidate: samples, verdict: verdict, previous: [:]).trigger == nil)
    }
}
