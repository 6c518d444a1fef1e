import Foundation
import GRDB
import Testing
import TollgateCore
@testable import TollgateEngine
@testable import TollgateStore
import TollgateTestSupport

/// The engine's state machine with in-process fakes for router, traffic and judge
/// (end-to-end runs over real HTTP are in RolloutEndToEndTests).
@Suite struct RolloutStateMachineTests {
    struct Harness {
        let folder: TemporaryFolder
        let store: RunStore
        let router = RecordingRouter()
        let pipelinePath: String
        let pipeline: Pipeline

        init(stages: String, rollback: String = "", extraMetrics: String = "") throws {
            folder = try TemporaryFolder()
            store = try RunStore(path: folder.path("t.db"))
            try "version: 1".write(to: folder.url.appendingPathComponent("suite.yaml"), atomically: true, encoding: .utf8)
            pipelinePath = try EngineFixtures.pipeline(in: folder.url, stages: stages, rollback: rollback, extraMetrics: extraMetrics)
            pipeline = try DocumentLoader.loadPipeline(at: pipelinePath)
        }

        func engine(runID: String, traffic: SyntheticTraffic, judge: any StageJudge = MeanTTFTJudge(), owner: String = "test:1",
                    quality: (any QualityEvaluator)? = nil, clock: FastClock = FastClock()) -> RolloutEngine {
            RolloutEngine(store: store, runID: runID, pipeline: pipeline, dependencies: RolloutDependencies(
                router: router, traffic: traffic, judge: judge, quality: quality, clock: clock, pollInterval: .milliseconds(5), owner: owner))
        }

        func start(owner: String = "test:1") throws -> Run {
            try RolloutEngine.createRun(pipelinePath: pipelinePath, pipeline: pipeline, store: store, owner: owner)
        }

        func journalKinds(_ runID: String) throws -> [String] { try store.events(runID: runID).map(\.kind) }
    }

    static let threeStages = """
          - shadow: { requests: 40 }
          - canary: { weight: 5, min_samples: 40, max_duration: 30s }
          - canary: { weight: 25, min_samples: 80, max_duration: 30s }
          - full: {}
        """

    @Test func aHealthyCandidateIsPromotedThroughEveryStage() async throws {
        let h = try Harness(stages: Self.threeStages)
        defer { h.folder.remove() }
        let run = try h.start()
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store)).drive()
        #expect(state.phase == .promoted)
        #expect(await h.router.weights == [0, 5, 25, 100])
        #expect(try h.store.run(run.id).status == .promoted)
        let decisions = try h.store.read { try $0.decisions(runID: run.id) }.map(\.action)
        #expect(decisions == ["advance", "advance", "advance", "promoted"])
        let events = try h.store.events(runID: run.id)
        #expect(events.map(\.seq) == Array(1...events.count))
        #expect(try h.store.read { try $0.lease(target: h.pipeline.model.name) } == nil)
    }

    @Test func aLatencyRegressionIsRolledBackAtTheFirstCanary() async throws {
        let h = try Harness(stages: """
              - canary: { weight: 5, min_samples: 40, max_duration: 30s }
              - canary: { weight: 25, min_samples: 40, max_duration: 30s }
              - full: {}
            """)
        defer { h.folder.remove() }
        let run = try h.start()
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store, slowdown: 1.5)).drive()
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.stage == 0)
        #expect(state.finish?.trigger == "analysis:fail")
        #expect(await h.router.weights == [5, 0])
        let kinds = try h.journalKinds(run.id)
        // The weight went to 0 before (and in the same transaction as) the rollback record.
        #expect(Array(kinds.suffix(2)) == ["weight_set", "rolled_back"])
    }

    @Test func anErrorRateAboveItsBoundRollsBackEvenWhenLatencyPasses() async throws {
        let h = try Harness(stages: """
              - canary: { weight: 5, min_samples: 400, max_duration: 30s }
              - full: {}
            """, rollback: """
            rollback:
              on:
                - analysis: fail
                - error_rate: { above: 0.05 }
            """)
        defer { h.folder.remove() }
        let run = try h.start()
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store, candidateErrorRate: 0.2)).drive()
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.trigger == "error_rate>0.05")
        #expect((state.finish?.numbers["error_rate"] ?? 0) > 0.05)
    }

    @Test func anObjectiveBreachedForConsecutiveChecksRollsBack() async throws {
        let h = try Harness(stages: """
              - canary: { weight: 5, min_samples: 100000, max_duration: 30s }
              - full: {}
            """, rollback: """
            rollback:
              on:
                - objective: { metric: ttft_ms, quantile: p95, consecutive: 3 }
            """)
        defer { h.folder.remove() }
        let run = try h.start()
        // 8x slower: p95 TTFT ≈ 1150 ms > 1000 ms objective; the judge is not a rule here.
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store, slowdown: 8)).drive()
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.trigger == "objective:ttft_ms.p95")
        #expect(state.finish?.numbers["consecutive_checks"] == 3)
        #expect(try h.store.read { try $0.verdicts(runID: run.id) }.count == 3)
    }

    @Test func anApprovalGateWaitsAndThenProceeds() async throws {
        let h = try Harness(stages: """
              - canary: { weight: 5, min_samples: 40, max_duration: 30s }
              - approval: { note: "check dashboards" }
              - full: {}
            """)
        defer { h.folder.remove() }
        let run = try h.start()
        let engine = h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store))
        let waiting = try await engine.drive(returnWhenWaiting: true)
        #expect(waiting.phase == .awaitingApproval)
        #expect(try h.store.run(run.id).status == .running)
        // A second request is refused while nothing waits; approval is accepted.
        #expect(throws: EngineError.self) {
            try OperatorCommands.request(.init(command: .resume, source: "test"), runID: run.id, store: h.store)
        }
        try OperatorCommands.request(.init(command: .approve, reason: "dashboards green", source: "test"), runID: run.id, store: h.store)
        try engine.attach()
        let done = try await engine.drive()
        #expect(done.phase == .promoted)
        #expect(await h.router.weights.last == 100)
        let decisions = try h.store.read { try $0.decisions(runID: run.id) }
        #expect(decisions.map(\.action) == ["advance", "approved", "promoted"])
    }

    @Test func anOperatorRollbackFromElsewhereTakesEffectWithinACheck() async throws {
        let h = try Harness(stages: """
              - canary: { weight: 5, min_samples: 1000000, max_duration: 60s }
              - full: {}
            """)
        defer { h.folder.remove() }
        let run = try h.start()
        let engine = h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store))
        let driving = Task { try await engine.drive() }
        let checked = await waitUntil(timeout: .seconds(10)) { (try? h.store.read { try $0.verdicts(runID: run.id) }.count) ?? 0 >= 2 }
        #expect(checked)
        // Another store handle on the same file, like a second process.
        let other = try RunStore(path: h.store.path)
        try OperatorCommands.request(.init(command: .rollback, reason: "pager fired", source: "cli:oncall"), runID: run.id, store: other)
        let state = try await driving.value
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.reason == "pager fired")
        #expect(state.finish?.trigger == "operator:cli:oncall")
        #expect(await h.router.weights.last == 0)
        let kinds = try h.journalKinds(run.id)
        #expect(kinds.contains("command_applied"))
    }

    @Test func pauseAndResumeCommandsHoldTheRun() async throws {
        let h = try Harness(stages: """
              - canary: { weight: 5, min_samples: 1000000, max_duration: 60s }
              - full: {}
            """)
        defer { h.folder.remove() }
        let run = try h.start()
        try OperatorCommands.request(.init(command: .pause, reason: "freeze", source: "test"), runID: run.id, store: h.store)
        let engine = h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store))
        let paused = try await engine.drive(returnWhenWaiting: true)
        #expect(paused.phase == .paused)
        #expect(try h.store.run(run.id).status == .paused)
        try OperatorCommands.request(.init(command: .resume, source: "test"), runID: run.id, store: h.store)
        try OperatorCommands.request(.init(command: .promote, reason: "looks fine", source: "test", full: true), runID: run.id, store: h.store)
        try engine.attach()
        let done = try await engine.drive()
        #expect(done.phase == .promoted)
        #expect(await h.router.weights.last == 100)
    }

    @Test func anInconclusiveCanaryRollsBackAtMaxDuration() async throws {
        struct AlwaysHold: StageJudge {
            func judge(_ request: JudgeRequest) throws -> StageVerdict {
                StageVerdict(decision: .hold, score: 80, summary: "inconclusive", metrics: [], detailJSON: "{}")
            }
        }
        let h = try Harness(stages: """
              - canary: { weight: 5, min_samples: 10, max_duration: 300ms }
              - full: {}
            """)
        defer { h.folder.remove() }
        let run = try h.start()
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store), judge: AlwaysHold()).drive()
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.trigger == "on_timeout")
    }

    @Test func aSecondStartForTheSameTargetIsRefusedWithTheOwnerNamed() throws {
        let h = try Harness(stages: Self.threeStages)
        defer { h.folder.remove() }
        let first = try h.start(owner: "hostA:100")
        #expect {
            _ = try h.start(owner: "hostB:200")
        } throws: { error in
            guard case EngineError.targetBusy(_, let runID, let owner, _) = error else { return false }
            return runID == first.id && owner == "hostA:100" && "\(error)".contains("hostA:100")
        }
    }

    @Test func aResumeAfterAnInterruptionContinuesWithoutRepeatingStages() async throws {
        let h = try Harness(stages: Self.threeStages)
        defer { h.folder.remove() }
        let run = try h.start(owner: "first:1")
        let first = h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store, hangAtStage: 2), owner: "first:1")
        let driving = Task { try await first.drive() }
        let reached = await waitUntil(timeout: .seconds(20)) { (try? h.store.read { try $0.sampleCounts(runID: run.id, stage: 2) }.count) ?? 0 > 0 }
        #expect(reached)
        driving.cancel()
        _ = try? await driving.value
        #expect(try h.store.events(runID: run.id).contains {
            try $0.kind == "stage_started" && $0.payload(as: RunEventPayload.StageStarted.self).stage == 2
        })
        // The interrupted process's lease is still live: a different owner must wait for expiry.
        let second = h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store), owner: "second:2")
        #expect(throws: EngineError.self) { try second.attach() }
        // Once the lease's 30 s have passed without a heartbeat (the same process, its clock 31 s
        // later), the second owner takes it over and drives the run from where it stopped.
        try h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store), owner: "second:2", clock: FastClock(ahead: 31)).attach()
        let lease = try #require(try h.store.read { try $0.lease(target: h.pipeline.model.name) })
        #expect(lease.owner == "second:2" && lease.runId == run.id)
        let state = try await second.drive()
        #expect(state.phase == .promoted)
        let events = try h.store.events(runID: run.id)
        #expect(events.map(\.seq) == Array(1...events.count))
        let started = events.filter { $0.kind == "stage_started" }.count
        #expect(started == h.pipeline.stages.count)
        let decisions = try h.store.read { try $0.decisions(runID: run.id) }.map(\.action)
        #expect(decisions == ["advance", "advance", "advance", "promoted"])
    }

    @Test func aQualityDropFromTheEvalSuiteRollsBackInShadowAndIsEvaluatedOnce() async throws {
        let h = try Harness(stages: """
              - shadow: { requests: 40 }
              - canary: { weight: 5, min_samples: 40, max_duration: 30s }
              - full: {}
            """, extraMetrics: "    - { metric: quality, suite: suite.yaml, critical: true }")
        defer { h.folder.remove() }
        let run = try h.start()
        // 200 cases: the baseline passes 190, the candidate 150 (−20pp, far beyond 2pp).
        let quality = FixedQuality(cases: 200, baselinePasses: 190, candidatePasses: 150)
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store), judge: PipelineJudge(analysis: h.pipeline.analysis),
                                       quality: quality).drive()
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.stage == 0)
        #expect(await quality.calls == 1)
        let report = try RunReport.load(runID: run.id, store: h.store)
        #expect(report.latest?.verdict.metrics.first { $0.metric == "quality" }?.outcome == "fail")
        #expect(try h.journalKinds(run.id).contains("quality_evaluated"))
    }

    @Test func equalQualityPassesAndIsNotEvaluatedAgainAtCanaries() async throws {
        let h = try Harness(stages: """
              - shadow: { requests: 40 }
              - canary: { weight: 5, min_samples: 40, max_duration: 30s }
              - full: {}
            """, extraMetrics: "    - { metric: quality, suite: suite.yaml }")
        defer { h.folder.remove() }
        let run = try h.start()
        let quality = FixedQuality(cases: 400, baselinePasses: 380, candidatePasses: 380)
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store, perInterval: 400),
                                       judge: PipelineJudge(analysis: h.pipeline.analysis), quality: quality).drive()
        #expect(state.phase == .promoted, "\(state.finish?.reason ?? "") \(state.lastCheck?.summary ?? "")")
        #expect(await quality.calls == 1)
    }

    /// The same −5pp drop (20 of 400 cases lost) against the suite's max_drop as recorded when it
    /// was evaluated: beyond 2pp it rolls back, within 10pp it passes.
    @Test(arguments: [(2.0, RunState.Phase.rolledBack), (10.0, RunState.Phase.promoted)])
    func qualityIsJudgedAgainstTheSuitesMaxDrop(maxDropPP: Double, expected: RunState.Phase) async throws {
        let h = try Harness(stages: """
              - shadow: { requests: 40 }
              - canary: { weight: 5, min_samples: 40, max_duration: 30s }
              - full: {}
            """, extraMetrics: "    - { metric: quality, suite: suite.yaml, critical: true }")
        defer { h.folder.remove() }
        let run = try h.start()
        let quality = FixedQuality(cases: 400, baselinePasses: 380, candidatePasses: 360, maxDrop: .percentagePoints(maxDropPP))
        let state = try await h.engine(runID: run.id, traffic: SyntheticTraffic(store: h.store, perInterval: 400),
                                       judge: PipelineJudge(analysis: h.pipeline.analysis), quality: quality).drive()
        #expect(state.phase == expected, "\(state.finish?.reason ?? "") \(state.lastCheck?.summary ?? "")")
        let report = try RunReport.load(runID: run.id, store: h.store)
        #expect(report.latest?.verdict.metrics.first { $0.metric == "quality" }?.outcome == (expected == .promoted ? "pass" : "fail"))
    }
}
