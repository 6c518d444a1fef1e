import Foundation
import Testing
import TollgateCore
@testable import TollgateEngine
import TollgateStore
import TollgateTestSupport

/// Stages that get no samples (an empty or all-malformed traffic file, a quiet gateway): they wait
/// their check interval instead of spinning, and never advance on no data.
@Suite struct NoDataStageTests {
    /// Traffic that produces nothing, at once.
    struct NoTraffic: StageTrafficSource {
        func shadow(runID: String, stage: Int, requests: Int, duration: Duration?) async throws {}
        func canaryInterval(runID: String, stage: Int, weight: Int, interval: Duration) async throws {}
    }

    static func engine(stages: String, folder: TemporaryFolder) throws -> (RolloutEngine, RunStore, String) {
        let store = try RunStore(path: folder.path("t.db"))
        let path = try EngineFixtures.pipeline(in: folder.url, stages: stages)
        let pipeline = try DocumentLoader.loadPipeline(at: path)
        let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store, owner: "test:1")
        let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: RecordingRouter(), traffic: NoTraffic(), judge: MeanTTFTJudge(), clock: SystemEngineClock(),
            pollInterval: .milliseconds(20), owner: "test:1"))
        return (engine, store, run.id)
    }

    @Test(.timeLimit(.minutes(1)))
    func aCanaryWithoutSamplesChecksOncePerIntervalAndDoesNotAdvance() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (engine, store, runID) = try Self.engine(stages: """
              - canary: { weight: 5, min_samples: 10, max_duration: 1s, check_interval: 200ms, on_timeout: pause }
              - full: {}
            """, folder: folder)
        let state = try await engine.drive(returnWhenWaiting: true)
        #expect(state.phase == .paused, "a canary with no data must not advance: \(state.phase)")
        let checks = try store.events(runID: runID).filter { $0.kind == "check" }.count
        // One second at one check per 200 ms: about five, never hundreds.
        #expect(checks <= 7, "\(checks) checks in one second of a 200 ms check interval")
        #expect(try store.read { try $0.decisions(runID: runID) }.map(\.action) == ["pause"])
    }

    @Test(.timeLimit(.minutes(1)))
    func aShadowWithoutSamplesWaitsAndNeverAdvances() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (engine, store, runID) = try Self.engine(stages: """
              - shadow: { requests: 10 }
              - canary: { weight: 5, min_samples: 10, max_duration: 1m }
              - full: {}
            """, folder: folder)
        let driving = Task { try await engine.drive() }
        defer { driving.cancel() }
        // Bounded observation: in one second (100 check intervals of 10 ms) the stage stays put.
        let advanced = try await waitUntil(timeout: .seconds(1)) {
            try store.events(runID: runID).contains { $0.kind == "stage_completed" || $0.kind == "check" }
        }
        let kinds = try store.events(runID: runID).map(\.kind)
        #expect(!advanced, "the shadow stage judged or advanced with no samples: \(kinds)")
        driving.cancel()
        _ = try? await driving.value
    }
}

/// The words a run's record uses: one decision name for moving on, and the look of each check.
@Suite struct RunRecordWordingTests {
    struct AlwaysHold: StageJudge {
        func judge(_ request: JudgeRequest) throws -> StageVerdict {
            StageVerdict(decision: .hold, score: nil, summary: "inconclusive", metrics: [], detailJSON: "{}")
        }
    }

    @Test func shadowAndCanaryStagesAdvanceUnderOneDecisionNameAndChecksCountTheirLooks() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let path = try EngineFixtures.pipeline(in: folder.url, stages: """
              - shadow: { requests: 40 }
              - canary: { weight: 5, min_samples: 40, max_duration: 30s }
              - full: {}
            """)
        let pipeline = try DocumentLoader.loadPipeline(at: path)
        // A shadow the judge cannot decide on advances ("no evidence of harm yet"), a canary it promotes.
        let shadow = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store, owner: "test:1")
        let held = RolloutEngine(store: store, runID: shadow.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: RecordingRouter(), traffic: SyntheticTraffic(store: store), judge: AlwaysHold(), clock: FastClock(),
            pollInterval: .milliseconds(5), owner: "test:1"))
        let driving = Task { try await held.drive() }
        let advanced = try await waitUntil(timeout: .seconds(20)) {
            try store.read { try $0.decisions(runID: shadow.id) }.contains { $0.stage == 0 }
        }
        driving.cancel()
        _ = try? await driving.value
        #expect(advanced)
        #expect(try store.read { try $0.decisions(runID: shadow.id) }.first?.action == "advance")
        try store.write { try $0.releaseLease(target: pipeline.model.name, runID: shadow.id) }

        let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store, owner: "test:1")
        let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: RecordingRouter(), traffic: SyntheticTraffic(store: store, perInterval: 10), judge: MeanTTFTJudge(), clock: FastClock(),
            pollInterval: .milliseconds(5), owner: "test:1"))
        #expect(try await engine.drive().phase == .promoted)
        #expect(try store.read { try $0.decisions(runID: run.id) }.map(\.action) == ["advance", "advance", "promoted"])
        let report = try RunReport.load(runID: run.id, store: store)
        var expected: [String: Int] = [:]
        for check in report.checks {
            expected[check.stage, default: 0] += 1
            #expect(check.look == expected[check.stage], "\(check.stage): look \(check.look)")
        }
        #expect(report.checks.contains { $0.look > 1 }, "the canary took several looks: \(report.checks.map(\.look))")
    }
}

/// What a resumed run does first: the operator's pending commands, and no second shadow verdict.
@Suite struct ResumeOrderTests {
    @Test(.timeLimit(.minutes(1)))
    func aQueuedRollbackIsAppliedBeforeTheCanaryWeightIsSetAgain() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let path = try EngineFixtures.pipeline(in: folder.url, stages: """
              - canary: { weight: 5, min_samples: 40, max_duration: 30s }
              - full: {}
            """)
        let pipeline = try DocumentLoader.loadPipeline(at: path)
        let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store, owner: "test:1")
        let first = RecordingRouter()
        let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: first, traffic: SyntheticTraffic(store: store, hangAtStage: 0), judge: MeanTTFTJudge(), clock: FastClock(),
            pollInterval: .milliseconds(5), leaseTTL: 0.05, owner: "test:1"))
        let driving = Task { try await engine.drive() }
        let atCanary = await waitUntil(timeout: .seconds(10)) { await first.weights == [5] }
        // The driver "dies" mid-canary; its lease runs out.
        driving.cancel()
        _ = try? await driving.value
        #expect(atCanary)
        try OperatorCommands.request(.init(command: .rollback, reason: "paged", source: "test"), runID: run.id, store: store)
        let nobodyDrives = try await waitUntil(timeout: .seconds(5)) {
            try store.read { tx in try RolloutEngine.driver(of: try tx.run(run.id), in: tx) } == .nobody
        }
        #expect(nobodyDrives)

        let second = RecordingRouter()
        let resumed = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: second, traffic: SyntheticTraffic(store: store), judge: MeanTTFTJudge(), clock: FastClock(),
            pollInterval: .milliseconds(5), owner: "test:2"))
        try resumed.attach()
        #expect(try await resumed.drive().phase == .rolledBack)
        let weights = await second.weights
        #expect(weights == [0], "the canary weight was set again before the rollback: \(weights)")
    }

    /// The process died after the shadow check was journaled and before the stage completed: the
    /// resumed run acts on that check instead of judging (and storing) the stage a second time.
    @Test func aShadowCheckJournaledBeforeACrashIsNotRepeated() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let path = try EngineFixtures.pipeline(in: folder.url, stages: """
              - shadow: { requests: 40 }
              - full: {}
            """)
        let pipeline = try DocumentLoader.loadPipeline(at: path)
        let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store, owner: "test:1")
        // Replays the journal of a run that crashed right after its shadow check.
        let traffic = SyntheticTraffic(store: store)
        try traffic.write(runID: run.id, stage: 0, count: 40)
        try store.write { tx in
            try tx.appendEvent(runID: run.id, kind: RunEventKind.stageStarted.rawValue,
                               payload: RunEventPayload.StageStarted(stage: 0, name: "shadow", kind: "shadow", weight: 0))
            let verdict = try MeanTTFTJudge().judge(JudgeRequest(baseline: try tx.samples(runID: run.id, stage: 0, arm: .baseline),
                                                                 candidate: try tx.samples(runID: run.id, stage: 0, arm: .candidate),
                                                                 look: 1, sequential: false, stageName: "shadow"))
            let encoded = String(decoding: try JSONEncoder().encode(verdict), as: UTF8.self)
            let stored = try tx.insertVerdict(StoredVerdict(runId: run.id, stage: 0, at: Date(), decision: verdict.decision.rawValue,
                                                            score: verdict.score, payload: encoded))
            try tx.appendEvent(runID: run.id, kind: RunEventKind.check.rawValue, payload: RunEventPayload.Check(
                stage: 0, look: 1, decision: verdict.decision.rawValue, score: verdict.score, baselineSamples: 40, candidateSamples: 40,
                summary: verdict.summary, verdictID: stored.id, breaches: []))
            try tx.releaseLease(target: pipeline.model.name, runID: run.id)
        }
        let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: RecordingRouter(), traffic: traffic, judge: MeanTTFTJudge(), clock: FastClock(), pollInterval: .milliseconds(5), owner: "test:2"))
        try engine.attach()
        #expect(try await engine.drive().phase == .promoted)
        #expect(try store.read { try $0.verdicts(runID: run.id, stage: 0) }.count == 1)
        #expect(try store.events(runID: run.id).filter { $0.kind == "check" }.count == 1)
    }
}

/// Shutdown during an eval: what the cut eval returns is not journaled, and nothing is decided.
@Suite struct CancelledEvalTests {
    /// An evaluator that, like a real one whose requests are cut, returns all-zero results when its
    /// task is cancelled.
    actor CutShortQuality: QualityEvaluator {
        private(set) var entered = false
        func evaluate(suitePath: String) async throws -> RunEventPayload.QualityEvaluated {
            entered = true
            try? await Task.sleep(for: .seconds(3600))
            return RunEventPayload.QualityEvaluated(suite: suitePath, evalRunID: nil, baseline: [0, 0], candidate: [0, 0], summary: "cut")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aCancelledEvalIsNotJournaledAndTheStageIsNotDecided() async throws {
        let h = try RolloutStateMachineTests.Harness(stages: """
              - shadow: { requests: 40 }
              - full: {}
            """, extraMetrics: "    - { metric: quality, suite: suite.yaml, critical: true }")
        defer { h.folder.remove() }
        let run = try h.start()
        let quality = CutShortQuality()
        let engine = h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store), judge: PipelineJudge(analysis: h.pipeline.analysis),
                              quality: quality)
        let driving = Task { try await engine.drive() }
        let entered = await waitUntil(timeout: .seconds(10)) { await quality.entered }
        #expect(entered)
        driving.cancel()
        _ = try? await driving.value
        let kinds = try h.journalKinds(run.id)
        #expect(!kinds.contains("quality_evaluated"), "a cut eval was journaled: \(kinds)")
        #expect(!kinds.contains("check") && !kinds.contains("stage_completed"), "decided after the cancellation: \(kinds)")
    }
}
