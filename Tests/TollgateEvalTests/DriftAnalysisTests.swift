import Foundation
import Testing
import TollgateCore
import TollgateStats
import TollgateStore
import TollgateTestSupport
import TollgateTraffic
@testable import TollgateEval

/// Synthetic samples: lognormal TTFT around `ttft`, `tokens` output tokens, a finish reason.
func syntheticSamples(_ n: Int, seed: UInt64, ttft: Double = 200, tokens: Double = 60, lengthShare: Double = 0.05) -> [Sample] {
    var random = SeededGenerator(seed: seed)
    return (0..<n).map { i in
        let t = ttft * exp(0.25 * random.nextGaussian())
        let out = max(1, Int((tokens * exp(0.3 * random.nextGaussian())).rounded()))
        let reason = random.nextUnit() < lengthShare ? "length" : "stop"
        return Sample(requestID: "r\(i)", arm: .candidate, startedAt: Date(), ttftMs: t, chunkTimesMs: [t, t + 20, t + 41],
                      e2eMs: t + Double(out) * 20, outputTokens: out, finishReason: reason, responseText: "Open Settings.")
    }
}

@Suite("Drift analysis")
struct DriftAnalysisTests {
    let features: [DriftFeature] = [.ttftMs, .itlMs, .e2eMs, .outputTokens, .finishReason, .errorClass, .refusalRate, .jsonValidity]
    let analysis = DriftAnalysis(alpha: 0.05, correction: .holm,
                                 minEffect: [.ttftMs: .relative(0.1), .e2eMs: .relative(0.1), .outputTokens: .relative(0.15), .finishReason: .percentagePoints(5)])

    @Test func sameDistributionIsNotDrift() {
        let results = analysis.analyze(features: features, reference: syntheticSamples(300, seed: 1), current: syntheticSamples(300, seed: 2))
        #expect(!results.contains { $0.drifted })
        #expect(results.first { $0.feature == .ttftMs }?.test == "ks")
        #expect(results.first { $0.feature == .finishReason }?.test == "chi2")
    }

    @Test func aLatencyShiftNamesTheLatencyFeatures() {
        let results = analysis.analyze(features: features, reference: syntheticSamples(300, seed: 1), current: syntheticSamples(300, seed: 2, ttft: 300))
        let drifted = Set(results.filter(\.drifted).map(\.feature))
        #expect(drifted.contains(.ttftMs))
        #expect(!drifted.contains(.outputTokens))
        #expect(!drifted.contains(.finishReason))
        let ttft = results.first { $0.feature == .ttftMs }!
        #expect(ttft.effect > 0.4 && ttft.adjustedPValue < 1e-6)
    }

    @Test func aTrivialShiftInALargeWindowIsBelowTheMinimumEffect() {
        let results = analysis.analyze(features: [.ttftMs], reference: syntheticSamples(20_000, seed: 1), current: syntheticSamples(20_000, seed: 2, ttft: 206))
        let ttft = results[0]
        #expect(ttft.adjustedPValue < 0.001)      // significant …
        #expect(ttft.effect < 0.1)                // … but a 3% shift
        #expect(!ttft.drifted)
    }

    @Test func aFinishReasonShiftIsCategoricalDrift() {
        let results = analysis.analyze(features: features, reference: syntheticSamples(400, seed: 1),
                                       current: syntheticSamples(400, seed: 2, lengthShare: 0.3))
        #expect(results.filter(\.drifted).map(\.feature) == [.finishReason])
    }

    @Test func withoutAMinimumEffectPSIDecides() {
        let plain = DriftAnalysis(alpha: 0.05, correction: .bh, psiThreshold: 0.2)
        let shifted = plain.analyze(features: [.outputTokens], reference: syntheticSamples(300, seed: 1), current: syntheticSamples(300, seed: 2, tokens: 90))
        #expect(shifted[0].drifted && (shifted[0].psi ?? 0) >= 0.2)
        let same = plain.analyze(features: [.outputTokens], reference: syntheticSamples(300, seed: 1), current: syntheticSamples(300, seed: 2))
        #expect(!same[0].drifted)
    }

    @Test func tooFewValuesLeaveAFeatureUntested() {
        let results = analysis.analyze(features: [.ttftMs, .embeddings], reference: syntheticSamples(5, seed: 1), current: syntheticSamples(300, seed: 2))
        #expect(results.allSatisfy { $0.test == "none" && !$0.drifted })
    }

    @Test func mmdSeparatesShiftedEmbeddingsAndNotSameOnes() throws {
        var random = SeededGenerator(seed: 9)
        func cloud(_ n: Int, center: Double) -> [[Double]] {
            (0..<n).map { _ in (0..<8).map { d in (d == 0 ? center : 0) + random.nextGaussian() } }
        }
        let a = cloud(60, center: 0), b = cloud(60, center: 0), c = cloud(60, center: 1.2)
        let same = try MaximumMeanDiscrepancy.test(a, b, permutations: 200, seed: 3)
        let shifted = try MaximumMeanDiscrepancy.test(a, c, permutations: 200, seed: 3)
        #expect(same.pValue > 0.05)
        #expect(shifted.pValue < 0.01)
        #expect(shifted.mmd2 > same.mmd2)
        // Seeded: the same call gives the same p-value.
        #expect(try MaximumMeanDiscrepancy.test(a, c, permutations: 200, seed: 3) == shifted)
    }

    @Test func mmdFalsePositiveRateIsAtMostNominal() throws {
        var random = SeededGenerator(seed: 11)
        var rejections = 0
        for rep in 0..<40 {
            let a = (0..<30).map { _ in (0..<4).map { _ in random.nextGaussian() } }
            let b = (0..<30).map { _ in (0..<4).map { _ in random.nextGaussian() } }
            if try MaximumMeanDiscrepancy.test(a, b, permutations: 99, seed: UInt64(rep)).pValue < 0.05 { rejections += 1 }
        }
        #expect(rejections <= 5)   // nominal 2 of 40; 6 or more has probability ≈ 1.4% under the null
    }
}

@Suite("Drift samples")
struct DriftSamplesTests {
    @Test func referenceFilesWrittenByReplayReadBack() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("samples.jsonl")
        let sink = try JSONLinesSampleSink(path: path)
        let written = syntheticSamples(12, seed: 4)
        try await sink.write(written)
        try await sink.close()
        let (read, source) = try DriftSamples.reference(.file(path: path), store: nil)
        #expect(source == path)
        #expect(read.map(\.ttftMs) == written.map(\.ttftMs) && read.map(\.finishReason) == written.map(\.finishReason))
        try "{\"requestID\": 1}\n".write(toFile: folder.path("bad.jsonl"), atomically: true, encoding: .utf8)
        #expect(throws: EvalError.self) { try DriftSamples.reference(.file(path: folder.path("bad.jsonl")), store: nil) }
    }

    @Test func recentGatewaySamplesAreTakenFromTheWindowAndTheTargetsArm() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let now = Date()
        let gateway = try store.createRun(NewRun(kind: .gateway, name: "gateway", baselineVersion: "2.3.0", candidateVersion: "2.4.0"), at: now.addingTimeInterval(-7200))
        var samples: [Sample] = []
        for (i, age) in [60.0, 600, 3000, 5000].enumerated() {
            for arm in [Arm.baseline, .candidate] {
                samples.append(Sample(requestID: "r\(i)", arm: arm, startedAt: now.addingTimeInterval(-age), ttftMs: 100))
            }
        }
        try store.insertSamples(samples, runID: gateway.id, stage: nil)
        try store.appendEvent(runID: gateway.id, kind: "tick", payload: ["n": 1], at: now)
        let lastHour = try DriftSamples.recent(window: .seconds(3600), version: "2.4.0", store: store, now: now)
        #expect(lastHour.count == 3 && lastHour.allSatisfy { $0.arm == .candidate })
        let everyArm = try DriftSamples.recent(window: .seconds(3600), version: "live", store: store, now: now)
        #expect(everyArm.count == 6)
        #expect(try DriftSamples.recent(window: .seconds(3600), version: "9.9", store: store, now: now).isEmpty)
    }
}
