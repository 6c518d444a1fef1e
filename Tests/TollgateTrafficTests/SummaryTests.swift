import Foundation
import Testing
import TollgateCore
@testable import TollgateTraffic

@Suite("Summaries")
struct SummaryTests {
    @Test func histogramQuantilesStayWithinHalfAPercentOfExact() {
        var h = LatencyHistogram()
        var values: [Double] = []
        var random = ReplayRandom(seed: 5)
        for _ in 0..<20_000 {
            let v = random.exponential(mean: 120) + 0.5
            values.append(v)
            h.record(v)
        }
        values.sort()
        for q in [0.5, 0.9, 0.95, 0.99] {
            let exact = values[Int((q * Double(values.count)).rounded(.up)) - 1]
            let estimate = h.quantile(q)!
            #expect(abs(estimate - exact) / exact < 0.005, "q\(q): \(estimate) vs \(exact)")
        }
        #expect(h.count == 20_000)
        #expect(LatencyHistogram().quantile(0.5) == nil)
    }

    @Test func goodputCountsOnlySuccessfulRequestsWithinEveryThreshold() throws {
        let thresholds = try GoodputThresholds.parse("ttft_ms=100, e2e_ms=1000,tpot_ms=20")
        #expect(thresholds == GoodputThresholds(ttftMs: 100, tpotMs: 20, e2eMs: 1000))
        let good = Sample(requestID: "a", arm: .baseline, startedAt: Date(), ttftMs: 80, e2eMs: 500, outputTokens: 30)
        #expect(thresholds.isGood(good))
        var slowFirst = good
        slowFirst.ttftMs = 150
        #expect(!thresholds.isGood(slowFirst))
        var failed = good
        failed.errorClass = .http5xx
        #expect(!thresholds.isGood(failed))
        #expect(throws: TrafficError.self) { try GoodputThresholds.parse("latency=5") }
        #expect(throws: TrafficError.self) { try GoodputThresholds.parse("ttft_ms=fast") }
    }

    @Test func gammaArrivalsKeepTheMeanRateAndAddBurstiness() {
        var random = ReplayRandom(seed: 9)
        func stats(_ arrivals: Arrivals) -> (mean: Double, cv: Double) {
            let gaps = (0..<40_000).map { _ in random.interArrival(rate: 10, arrivals: arrivals) }
            let mean = gaps.reduce(0, +) / Double(gaps.count)
            let variance = gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(gaps.count - 1)
            return (mean, variance.squareRoot() / mean)
        }
        let poisson = stats(.poisson)
        let bursty = stats(.gamma(shape: 0.25))
        #expect(abs(poisson.mean - 0.1) < 0.003)
        #expect(abs(poisson.cv - 1) < 0.03)
        #expect(abs(bursty.mean - 0.1) < 0.005)
        // Coefficient of variation of a gamma is 1/sqrt(shape) = 2.
        #expect(abs(bursty.cv - 2) < 0.15)
    }

    @Test func classifiesErrorBodiesOfRealServers() {
        #expect(ErrorClassifier.classify(status: 400, body: #"{"error":{"message":"This model's maximum context length is 4096 tokens"}}"#) == .contextLength)
        #expect(ErrorClassifier.classify(status: 500, body: "the request exceeds the available context size, try increasing it") == .contextLength)
        #expect(ErrorClassifier.classify(status: 500, body: "CUDA out of memory. Tried to allocate 20.00 MiB") == .oom)
        #expect(ErrorClassifier.classify(status: 404, body: "The model `x` does not exist") == .modelNotFound)
        #expect(ErrorClassifier.classify(status: 429, body: "context length") == .http429)
        #expect(ErrorClassifier.classify(status: 422, body: "bad field") == .http4xx)
        #expect(ErrorClassifier.classify(status: 502, body: "<html>bad gateway</html>") == .http5xx)
    }

    @Test func buildsRequestURLsFromBaseURLs() {
        #expect(ModelEndpoint(url: "http://h:1/v1").requestURL == "http://h:1/v1/chat/completions")
        #expect(ModelEndpoint(url: "http://h:1/v1/", api: .embeddings).requestURL == "http://h:1/v1/embeddings")
        #expect(ModelEndpoint(url: "http://h:1").requestURL == "http://h:1/v1/chat/completions")
        #expect(ModelEndpoint(url: "http://h:1/v1/completions", api: .completions).requestURL == "http://h:1/v1/completions")
        #expect(throws: TrafficError.self) { try ModelEndpoint(url: "ftp://h/v1").validate() }
    }
}
