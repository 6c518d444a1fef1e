import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateDemo
import TollgateEngine
import TollgateServer
import TollgateSimulator
import TollgateStore
import TollgateTestSupport
import TollgateTraffic

/// Real rollouts over loopback HTTP: two simulators, the gateway as router, recorded traffic
/// replayed by the real client, samples in a real SQLite file, the real judges.
@Suite(.serialized) struct RolloutEndToEndTests {
    static let stages = """
          - shadow: { requests: 30 }
          - canary: { weight: 5,  min_samples: 120, max_duration: 20s }
          - canary: { weight: 25, min_samples: 120, max_duration: 20s }
          - approval_placeholder
          - full: {}
        """

    /// A fast profile: ~20 ms prefill, 2 ms per token, ~8 tokens.
    static func fast(seed: UInt64) -> SimulatorProfile {
        SimulatorProfile(seed: seed, models: ["e2e"], prefill: .init(medianMs: 20, spread: 0.2, perInputTokenMs: 0),
                         decode: .init(medianMs: 2, spread: 0.2), outputTokens: .init(median: 8, spread: 0.3, min: 2, max: 16))
    }

    struct Setup {
        /// α 5% per canary falsely rolls back an identical candidate in about one stage of twenty,
        /// by design (the rate is measured in benchmarks/stats); tests that assert the path to
        /// promotion make false rollbacks negligible instead. Tests of power pass α 5%.
        static let promotionAlpha = 0.0001
        let folder: TemporaryFolder
        let environment: DemoEnvironment
        let store: RunStore
        let pipelinePath: String
        let pipeline: Pipeline

        init(baseline: SimulatorProfile = RolloutEndToEndTests.fast(seed: 1), candidate: SimulatorProfile, stages: String = RolloutEndToEndTests.stages.replacingOccurrences(of: "  - approval_placeholder\n", with: ""),
             rollback: String = "rollback:\n  on:\n    - analysis: fail\n", via: String = "replay",
             metrics: String = "    - { metric: ttft_ms, tolerance: 25%, critical: true }\n    - { metric: error_rate, tolerance: 3pp, critical: true }\n",
             alpha: Double = Setup.promotionAlpha, objectives: String = "  ttft_ms: { p95: 500 }") async throws {
            folder = try TemporaryFolder()
            store = try RunStore(path: folder.path("e2e.db"))
            environment = try await DemoEnvironment.start(baseline: baseline, candidate: candidate,
                                                          recordInto: via == "live" ? store : nil)
            let traffic = folder.path("traffic.jsonl")
            let lines = (0..<50).map { #"{"id":"q\#($0)","body":{"messages":[{"role":"user","content":"question \#($0) about billing"}],"stream":true}}"# }
            try lines.joined(separator: "\n").write(toFile: traffic, atomically: true, encoding: .utf8)
            let template = """
            version: 1
            kind: pipeline
            name: e2e
            model:
              name: e2e-\(UUID().uuidString.prefix(8))
              baseline:  { version: "1.0", endpoint: "\(DemoEnvironment.placeholderBaseline)" }
              candidate: { version: "2.0", endpoint: "\(DemoEnvironment.placeholderCandidate)" }
            objectives:
            \(objectives)
            traffic: { source: traffic.jsonl, concurrency: 16, timeout: 5s, via: \(via) }
            router: { type: gateway, admin: "\(DemoEnvironment.placeholderGateway)", token_env: E2E_ADMIN_TOKEN }
            analysis:
              check_interval: 700ms
              alpha: \(alpha)
              thresholds: { pass: 80, marginal: 60 }
              metrics:
            \(metrics)stages:
            \(stages)
            \(rollback)
            """
            pipelinePath = folder.path("pipeline.yaml")
            try environment.pipelineText(from: template, trafficPath: traffic).write(toFile: pipelinePath, atomically: true, encoding: .utf8)
            pipeline = try DocumentLoader.loadPipeline(at: pipelinePath)
        }

        func run(returnWhenWaiting: Bool = false) async throws -> (Run, RunState) {
            let assembly = try RolloutAssembly(pipeline: pipeline, store: store, environment: ["E2E_ADMIN_TOKEN": environment.adminToken])
            defer { assembly.shutdown() }
            let run = try RolloutEngine.createRun(pipelinePath: pipelinePath, pipeline: pipeline, store: store)
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: try assembly.dependencies(onProgress: nil))
            return (run, try await engine.drive(returnWhenWaiting: returnWhenWaiting))
        }

        func resume(_ runID: String) async throws -> RunState {
            let assembly = try RolloutAssembly(pipeline: pipeline, store: store, environment: ["E2E_ADMIN_TOKEN": environment.adminToken])
            defer { assembly.shutdown() }
            let engine = RolloutEngine(store: store, runID: runID, pipeline: pipeline, dependencies: try assembly.dependencies(onProgress: nil))
            try engine.attach()
            return try await engine.drive()
        }

        func stop() async {
            await environment.stop()
            folder.remove()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aHealthyCandidateIsPromotedThroughAllStages() async throws {
        let setup = try await Setup(candidate: Self.fast(seed: 2))
        do {
            let (run, state) = try await setup.run()
            #expect(state.phase == .promoted, "\(state.finish?.reason ?? "")")
            #expect(setup.environment.gateway.weights.candidate == 100)
            let decisions = try setup.store.read { try $0.decisions(runID: run.id) }.map(\.action)
            #expect(decisions.last == "promoted")
            #expect(decisions.filter { $0 == "advance" || $0 == "advanced" }.count == 3)
            let counts = try setup.store.read { try $0.sampleCounts(runID: run.id, stage: 1) }
            #expect((counts[.baseline] ?? 0) >= 120 && (counts[.candidate] ?? 0) >= 120)
        } catch { Issue.record(error) }
        await setup.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aLatencyRegressionIsRolledBackAtTheFirstCanary() async throws {
        var slow = Self.fast(seed: 2)
        slow.prefill.medianMs = 150  // 7.5x the baseline's prefill: clear even on a loaded machine
        let setup = try await Setup(candidate: slow, stages: """
              - canary: { weight: 5,  min_samples: 120, max_duration: 20s }
              - canary: { weight: 25, min_samples: 120, max_duration: 20s }
              - full: {}
            """)
        do {
            let (run, state) = try await setup.run()
            #expect(state.phase == .rolledBack)
            #expect(state.finish?.stage == 0)
            #expect(setup.environment.gateway.weights.candidate == 0)
            let report = try RunReport.load(runID: run.id, store: setup.store)
            #expect(report.latest?.verdict.metrics.first { $0.metric == "ttft_ms" }?.outcome == "fail")
        } catch { Issue.record(error) }
        await setup.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func anErrorRateRegressionIsRolledBack() async throws {
        var failing = Self.fast(seed: 2)
        failing.faults.serverError = 0.15
        let setup = try await Setup(candidate: failing, rollback: """
            rollback:
              on:
                - analysis: fail
                - error_rate: { above: 0.05, consecutive: 2 }
            """)
        do {
            let (_, state) = try await setup.run()
            #expect(state.phase == .rolledBack)
            #expect(setup.environment.gateway.weights.candidate == 0)
            let trigger = state.finish?.trigger ?? ""
            #expect(trigger == "analysis:fail" || trigger == "error_rate>0.05", "\(trigger)")
        } catch { Issue.record(error) }
        await setup.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func anApprovalGateWaitsAndThenProceeds() async throws {
        let setup = try await Setup(candidate: Self.fast(seed: 2), stages: """
              - canary: { weight: 5, min_samples: 120, max_duration: 20s }
              - approval: { note: "look at the dashboards" }
              - full: {}
            """)
        do {
            let (run, waiting) = try await setup.run(returnWhenWaiting: true)
            #expect(waiting.phase == .awaitingApproval)
            #expect(setup.environment.gateway.weights.candidate == 5)
            try OperatorCommands.request(.init(command: .approve, reason: "dashboards are green", source: "test"), runID: run.id, store: setup.store)
            let done = try await setup.resume(run.id)
            #expect(done.phase == .promoted)
            #expect(setup.environment.gateway.weights.candidate == 100)
        } catch { Issue.record(error) }
        await setup.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func throughTheRouterTheSplitIsTheGatewaysAndALatencyRegressionIsCaught() async throws {
        var slow = Self.fast(seed: 2)
        slow.prefill.medianMs = 150
        let setup = try await Setup(candidate: slow, stages: """
              - canary: { weight: 50, min_samples: 60, max_duration: 20s }
              - full: {}
            """, via: "router")
        do {
            let (run, state) = try await setup.run()
            #expect(state.phase == .rolledBack, "\(state.finish?.reason ?? "")")
            #expect(setup.environment.gateway.weights.candidate == 0)
            let counts = try setup.store.read { try $0.sampleCounts(runID: run.id, stage: 0) }
            let baseline = counts[.baseline] ?? 0, candidate = counts[.candidate] ?? 0
            // Every answer named its arm, and the gateway's 50% split shows in the counts.
            #expect(counts[.shadow] == nil)
            #expect(baseline > 10 && candidate > 10, "\(counts)")
        } catch { Issue.record(error) }
        await setup.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func liveSamplesRecordedByTheGatewayAreJudged() async throws {
        // On a loaded machine TTFT spreads and the judge needs more looks; max_duration leaves
        // room for that (the stage ends at the judge's decision, seconds on an idle machine).
        let setup = try await Setup(candidate: Self.fast(seed: 2), stages: """
              - canary: { weight: 50, min_samples: 60, max_duration: 60s }
              - full: {}
            """, via: "live")
        // Users: a replay through the gateway, running while the rollout judges (stopped when
        // the rollout ends, so traffic never runs out before the stage's max_duration).
        let stopUsers = StopSignal()
        let users = Task {
            let client = ModelClient.makeHTTPClient(concurrency: 8)
            let target = ReplayTarget(arm: .shadow, client: ModelClient(httpClient: client, endpoint: ModelEndpoint(url: setup.environment.running.baseURL + "/v1")))
            let runner = ReplayRunner(targets: [target], configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 8), duration: .seconds(90), repeatTraffic: true))
            _ = try? await runner.run(trafficPath: setup.folder.path("traffic.jsonl"), stop: stopUsers)
            try? await client.shutdown()
        }
        do {
            let (run, state) = try await setup.run()
            #expect(state.phase == .promoted, "\(state.finish?.reason ?? "") \(state.lastCheck?.summary ?? "")")
            let counts = try setup.store.read { try $0.sampleCounts(runID: run.id, stage: 0) }
            #expect((counts[.baseline] ?? 0) >= 60 && (counts[.candidate] ?? 0) >= 60, "\(counts)")
        } catch { Issue.record(error) }
        stopUsers.stop()
        await users.value
        await setup.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func aTTFTRegressionPastTheToleranceIsRolledBackByTheSequentialJudge() async throws {
        // Over loopback each request's own overhead (a few ms idle, tens of ms on a loaded
        // machine) is added to both arms' TTFT and dilutes a prefill ratio: +10% of a 20 ms prefill
        // can measure below the 10% tolerance and be rightly promoted. So prefill dominates here
        // (100 ms) and the candidate's is 25% slower, which measures past the 10% tolerance with
        // up to ~60 ms of overhead. (+10% at the judge's level is in GroupSequentialJudgeTests
        // and benchmarks/stats.)
        var baseline = Self.fast(seed: 1), slower = Self.fast(seed: 2)
        baseline.prefill.medianMs = 100
        slower.prefill.medianMs = 125
        let setup = try await Setup(baseline: baseline, candidate: slower, stages: """
              - canary: { weight: 50, min_samples: 60, max_samples: 800, max_duration: 60s }
              - full: {}
            """, metrics: "    - { metric: ttft_ms, tolerance: 10%, critical: true }\n", alpha: 0.05)
        do {
            let (run, state) = try await setup.run()
            #expect(state.phase == .rolledBack, "\(state.finish?.reason ?? "")")
            // The judge rolled it back (the `analysis: fail` rule on a rollback verdict), not a timeout.
            #expect(state.finish?.trigger == "analysis:fail", "\(state.finish?.trigger ?? "") \(state.finish?.reason ?? "")")
            #expect(state.lastCheck?.decision == "rollback")
            let perArm = min(state.lastCheck?.baselineSamples ?? .max, state.lastCheck?.candidateSamples ?? .max)
            #expect(perArm <= 800, "\(perArm)")
            let report = try RunReport.load(runID: run.id, store: setup.store)
            #expect(report.latest?.verdict.metrics.first { $0.metric == "ttft_ms" }?.sentence.contains("shown worse") == true)
        } catch { Issue.record(error) }
        await setup.stop()
    }

    /// The shipped pipelines/support-chat.yaml against two identical simulators, with its stages
    /// shortened (fewer samples, shorter intervals, no approval gate): it must promote, its eval
    /// quality metric included (evaluated once, then counted as a pass).
    @Test(.timeLimit(.minutes(3)))
    func theShippedSupportChatPipelinePromotesAnIdenticalCandidate() async throws {
        let root = TollgateCLI.root
        var profile = Self.fast(seed: 1)
        profile.models = ["support-chat-2.3.1", "support-chat-2.4.0"]
        var twin = profile
        twin.seed = 2
        let folder = try TemporaryFolder()
        let store = try RunStore(path: folder.path("support.db"))
        let environment = try await DemoEnvironment.start(baseline: profile, candidate: twin)
        do {
            var text = try String(contentsOf: root.appendingPathComponent("pipelines/support-chat.yaml"), encoding: .utf8)
            let replacements = [
                ("http://127.0.0.1:8001/v1", DemoEnvironment.placeholderBaseline),
                ("http://127.0.0.1:8002/v1", DemoEnvironment.placeholderCandidate),
                ("http://127.0.0.1:9100", DemoEnvironment.placeholderGateway),
                ("../", root.path + "/"),
                ("shadow:   { requests: 400,", "shadow:   { requests: 60,"),
                ("check_interval: 30s", "check_interval: 700ms"),
                // α 5% per canary over three canaries and four metrics falsely rolls back an
                // identical candidate in roughly one run of seven, by design; this test asserts the
                // path to promotion, so false rollbacks are made negligible (the rate itself is
                // measured in benchmarks/stats).
                ("alpha: 0.05 ", "alpha: 0.001"),
                // The objective rule (candidate TTFT p95 over 800 ms) measures the test machine's
                // scheduling on a loaded 2-core box (p95 1.1 s seen at load 11), not the candidate;
                // it is tested on its own in RolloutStateMachineTests.
                ("ttft_ms: { p50: 250, p95: 800 }", "ttft_ms: { p50: 250, p95: 60000 }"),
                ("min_samples: 200, max_samples: 1000, max_duration: 15m", "min_samples: 60, max_samples: 300, max_duration: 60s"),
                ("min_samples: 500, max_samples: 1500, max_duration: 30m", "min_samples: 60, max_samples: 300, max_duration: 60s"),
                ("min_samples: 800, max_samples: 2000, max_duration: 30m", "min_samples: 60, max_samples: 300, max_duration: 60s"),
                ("  - approval: { note: \"on-call checks the dashboards\" }\n", ""),
            ]
            for (from, to) in replacements {
                #expect(text.contains(from), "support-chat.yaml no longer contains \(from)")
                text = text.replacingOccurrences(of: from, with: to)
            }
            let trafficPath = root.appendingPathComponent("traffic/support.jsonl").path
            let path = folder.path("support-chat.yaml")
            try environment.pipelineText(from: text, trafficPath: trafficPath).write(toFile: path, atomically: true, encoding: .utf8)
            let pipeline = try DocumentLoader.loadPipeline(at: path)
            let assembly = try RolloutAssembly(pipeline: pipeline, store: store,
                                               environment: ["TOLLGATE_ADMIN_TOKEN": environment.adminToken, "CANDIDATE_API_KEY": "test-key"])
            defer { assembly.shutdown() }
            let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store)
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: try assembly.dependencies(onProgress: nil))
            let state = try await engine.drive()
            #expect(state.phase == .promoted, "trigger \(state.finish?.trigger ?? "none"), stage \(String(describing: state.finish?.stage)): \(state.finish?.reason ?? "") | \(state.lastCheck?.summary ?? "")")
            #expect(state.quality.count == 1)
            let report = try RunReport.load(runID: run.id, store: store)
            #expect(report.latest?.verdict.metrics.first { $0.metric == "quality" }?.outcome == "pass")
        } catch { Issue.record(error) }
        await environment.stop()
        folder.remove()
    }

    /// The shipped pipelines/minimal.yaml, run with `tollgate rollout start` as its header says,
    /// against two identical simulators behind the gateway, with its stages shortened: the router
    /// section names only the token (type and admin address are the defaults), and it promotes.
    @Test(.timeLimit(.minutes(2)))
    func theShippedMinimalPipelineRunsAsItsHeaderSays() async throws {
        let root = TollgateCLI.root
        let binary = try TollgateCLI.binary()
        var profile = Self.fast(seed: 1)
        profile.models = ["tiny-chat"]
        var twin = profile
        twin.seed = 2
        let folder = try TemporaryFolder()
        let environment = try await DemoEnvironment.start(baseline: profile, candidate: twin)
        do {
            var text = try String(contentsOf: root.appendingPathComponent("pipelines/minimal.yaml"), encoding: .utf8)
            let replacements = [
                ("http://127.0.0.1:8001/v1", DemoEnvironment.placeholderBaseline),
                ("http://127.0.0.1:8002/v1", DemoEnvironment.placeholderCandidate),
                ("router: { token_env: GATEWAY_ADMIN_TOKEN }", "router: { token_env: GATEWAY_ADMIN_TOKEN, admin: \"\(DemoEnvironment.placeholderGateway)\" }"),
                ("../", root.path + "/"),
                // Shorter stages, and false rollbacks of the identical twin made negligible (the
                // shadow's interval level and the canary's α).
                ("analysis:\n", "analysis:\n  check_interval: 500ms\n  confidence: 0.999\n  alpha: 0.001\n"),
                ("shadow: { requests: 100 }", "shadow: { requests: 30 }"),
                ("min_samples: 100, max_duration: 5m", "min_samples: 40, max_samples: 200, max_duration: 60s"),
            ]
            for (from, to) in replacements {
                #expect(text.contains(from), "minimal.yaml no longer contains \(from)")
                text = text.replacingOccurrences(of: from, with: to)
            }
            let path = folder.path("minimal.yaml")
            try environment.pipelineText(from: text, trafficPath: root.appendingPathComponent("traffic/support.jsonl").path)
                .write(toFile: path, atomically: true, encoding: .utf8)
            var env = ProcessInfo.processInfo.environment
            env["GATEWAY_ADMIN_TOKEN"] = environment.adminToken
            env.removeValue(forKey: "TOLLGATE_DB")
            let validate = try ChildProcess(binary, ["validate", root.appendingPathComponent("pipelines/minimal.yaml").path], environment: env)
            defer { validate.stop() }
            #expect(await validate.waitForExit(timeout: .seconds(20)) == 0, "\(validate.stdout)")
            let start = try ChildProcess(binary, ["rollout", "start", path, "--quiet", "--db", folder.path("runs.db")], environment: env)
            defer { start.stop() }
            let status = await start.waitForExit(timeout: .seconds(100))
            #expect(status == 0, "\(start.stdout) \(start.stderr)")
            #expect(environment.gateway.weights.candidate == 100)
        } catch { Issue.record(error) }
        await environment.stop()
        folder.remove()
    }
}
