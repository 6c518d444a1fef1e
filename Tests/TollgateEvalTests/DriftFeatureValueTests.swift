import Foundation
import Testing
import TollgateCore
@testable import TollgateEval

/// Drift's numeric features are the metrics' per-request observations (``MetricName/observations(in:)``).
@Suite("Drift feature values")
struct DriftFeatureValueTests {
    @Test func driftFeaturesAreTheMetricsObservationsOfSuccessfulRequests() {
        var samples = stalledRequests()
        samples[0].errorClass = .timeoutIdle
        for feature in [DriftFeature.ttftMs, .itlMs, .e2eMs, .outputTokens] {
            #expect(DriftFeatureValues.numbers(feature, of: samples) == feature.metricName!.observations(in: samples))
        }
        #expect(DriftFeatureValues.numbers(.itlMs, of: samples).count == 4)
        #expect(DriftFeatureValues.numbers(.finishReason, of: samples).isEmpty)
    }

    /// Five requests with ten 10 ms gaps and one 100 ms stall.
    func stalledRequests() -> [Sample] {
        (0..<5).map { i in
            var times = (0...10).map { Double($0) * 10 }
            times.append(times.last! + 100)
            return Sample(requestID: "r\(i)", arm: .candidate, startedAt: Date(timeIntervalSince1970: 0), ttftMs: 50, chunkTimesMs: times,
                          e2eMs: 250, outputTokens: 12)
        }
    }
}
