import Foundation
import Testing
import TollgateCore
@testable import TollgateEngine
@testable import TollgateStore
import TollgateTestSupport

/// Canary stages judged by the group-sequential test through the whole engine (store, journal,
/// rules), on seeded lognormal TTFT (σ = 0.5 on the log scale) written 50 samples per arm per
/// interval: a healthy candidate is promoted and a 10% slower one rolled back by the judge, each
/// in a few hundred samples per arm, and the horizon always ends the stage.
@Suite(.serialized) struct SequentialCanaryTests {
    /// Seeded lognormal samples straight into the store; the candidate's TTFT is scaled by `ratio`.
    final class LognormalTraffic: StageTrafficSource, @unchecked Sendable {
        let store: RunStore
        let ratio: Double
        let perInterval: Int
        private var generator: SeededGeneratorBox
        private let lock = NSLock()

        init(store: RunStore, ratio: Double, seed: UInt64, perInterval: Int = 50) {
            self.store = store
            self.ratio = ratio
            self.perInterval = perInterval
            generator = SeededGeneratorBox(state: seed)
        }

        func shadow(runID: String, stage: Int, requests: Int, duration: Duration?) async throws {
            try write(runID: runID, stage: stage, count: requests)
        }

        func canaryInterval(runID: String, stage: Int, weight: Int, interval: Duration) async throws {
            try write(runID: runID, stage: stage, count: perInterval)
        }

        func write(runID: String, stage: Int, count: Int) throws {
            let existing = try store.read { try $0.sampleCounts(runID: runID, stage: stage) }[.baseline] ?? 0
            let batch: [Sample] = lock.withLock {
                (existing..<(existing + count)).flatMap { i in
                    let b = 100 * exp(0.5 * generator.gaussian()), c = 100 * ratio * exp(0.5 * generator.gaussian())
                    return [Sample(requestID: "r\(i)", arm: .baseline, startedAt: Date(), ttftMs: b, e2eMs: b + 200),
                            Sample(requestID: "r\(i)", arm: .candidate, startedAt: Date(), ttftMs: c, e2eMs: c + 200)]
                }
            }
            try store.insertSamples(batch, runID: runID, stage: stage)
        }
    }

    /// A SplitMix64 stream with Box–Muller normals (the engine tests do not link TollgateStats' generator).
    struct SeededGeneratorBox {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func gaussian() -> Double {
            let u1 = (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992, u2 = Double(next() >> 11) / 9_007_199_254_740_992
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
    }

    static let stages = """
          - canary: { weight: 5, min_samples: 100, max_samples: 1000, max_duration: 10m }
          - full: {}
        """

    /// The run's final state and its canary checks (from the journal).
    func run(ratio: Double, seed: UInt64) async throws -> (RunState, [RunEventPayload.Check]) {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let path = try EngineFixtures.pipeline(in: folder.url, stages: Self.stages, rollback: "rollback:\n  on:\n    - analysis: fail\n",
                                               name: "sequential-\(seed)-\(UUID().uuidString.prefix(8))")
        let pipeline = try DocumentLoader.loadPipeline(at: path)
        let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store, owner: "test:1")
        let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: RecordingRouter(), traffic: LognormalTraffic(store: store, ratio: ratio, seed: seed),
            judge: PipelineJudge(analysis: pipeline.analysis), quality: nil, clock: FastClock(), pollInterval: .milliseconds(5), owner: "test:1"))
        let state = try await engine.drive()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let checks = try store.events(runID: run.id).filter { $0.kind == "check" }.map {
            try decoder.decode(RunEventPayload.Check.self, from: Data($0.payload.utf8))
        }
        return (state, checks)
    }

    @Test func healthyCandidatesArePromotedByTheJudgeInAFewHundredSamples() async throws {
        var perArm: [Int] = []
        for seed in UInt64(1)...UInt64(5) {
            let (state, checks) = try await run(ratio: 1, seed: seed)
            // Every stage ends by its horizon, promoted or rolled back (5% false rollbacks by design).
            #expect(state.phase == .promoted || state.phase == .rolledBack)
            let last = try #require(checks.last)
            #expect(min(last.baselineSamples, last.candidateSamples) <= 1000)
            if state.phase == .promoted {
                #expect(last.decision == "promote")
                perArm.append(min(last.baselineSamples, last.candidateSamples))
            }
        }
        #expect(perArm.count >= 4, "promoted \(perArm.count) of 5")
        // The always-valid judge needed a median of 450 per arm to promote at a 10% tolerance.
        #expect(perArm.sorted()[perArm.count / 2] <= 400, "\(perArm)")
    }

    @Test func aTenPercentRegressionIsRolledBackByTheJudge() async throws {
        var perArm: [Int] = []
        for seed in UInt64(11)...UInt64(20) {
            let (state, checks) = try await run(ratio: 1.1, seed: seed)
            #expect(state.phase == .promoted || state.phase == .rolledBack)
            let last = try #require(checks.last)
            if state.phase == .rolledBack {
                // Rolled back by the judge's verdict, not by a timeout or another rule.
                #expect(state.finish?.trigger == "analysis:fail", "\(state.finish?.trigger ?? "")")
                #expect(last.decision == "rollback")
                perArm.append(min(last.baselineSamples, last.candidateSamples))
            }
        }
        // 95% expected; 10 seeded canaries, at least 7 (a binomial tail below 1.2%).
        #expect(perArm.count >= 7, "rolled back \(perArm.count) of 10")
        // The always-valid judge at tolerance 10% never rolled back a 10% slowdown by 1,000 per arm.
        #expect(perArm.sorted()[perArm.count / 2] <= 450, "\(perArm)")
    }
}
