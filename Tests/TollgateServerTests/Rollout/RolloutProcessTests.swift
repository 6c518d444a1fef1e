import Foundation
import Testing
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateSimulator
import TollgateStore
import TollgateTestSupport

/// Rollouts driven by the real `tollgate` executable in child processes: an operator's rollback
/// from a second process, and SIGKILL at random points followed by `rollout resume`.
@Suite(.serialized) struct RolloutProcessTests {
    struct Fixture {
        let folder: TemporaryFolder
        let environment: DemoEnvironment
        let pipelinePath: String
        let db: String
        let binary: URL

        init(canaryMinSamples: Int, maxDuration: String, candidate: SimulatorProfile? = nil) async throws {
            binary = try #require(BuiltProducts.url(of: "tollgate"), "the tollgate executable was not built")
            folder = try TemporaryFolder()
            let base = RolloutEndToEndTests.fast(seed: 1)
            environment = try await DemoEnvironment.start(baseline: base, candidate: candidate ?? RolloutEndToEndTests.fast(seed: 2))
            db = folder.path("runs.db")
            let traffic = folder.path("traffic.jsonl")
            let lines = (0..<30).map { #"{"id":"q\#($0)","body":{"messages":[{"role":"user","content":"question \#($0)"}],"stream":true}}"# }
            try lines.joined(separator: "\n").write(toFile: traffic, atomically: true, encoding: .utf8)
            let template = """
            version: 1
            kind: pipeline
            name: process-e2e
            model:
              name: process-e2e-model
              baseline:  { version: "1.0", endpoint: "\(DemoEnvironment.placeholderBaseline)" }
              candidate: { version: "2.0", endpoint: "\(DemoEnvironment.placeholderCandidate)" }
            traffic: { source: traffic.jsonl, concurrency: 16, timeout: 5s }
            router: { type: gateway, admin: "\(DemoEnvironment.placeholderGateway)", token_env: E2E_ADMIN_TOKEN }
            analysis:
              check_interval: 300ms
              # The SIGKILL trials compare every run with an uninterrupted one: a healthy candidate
              # must be promoted every time, so false rollbacks are made negligible (α 1e-4 per
              # stage instead of 5%, over 22 runs of two canaries each).
              alpha: 0.0001
              metrics:
                - { metric: ttft_ms, tolerance: 50%, critical: true }
                - { metric: error_rate, tolerance: 5pp, critical: true }
            stages:
              - shadow: { requests: 10 }
              - canary: { weight: 5,  min_samples: \(canaryMinSamples), max_duration: \(maxDuration) }
              - canary: { weight: 25, min_samples: \(canaryMinSamples), max_duration: \(maxDuration) }
              - full: {}
            """
            pipelinePath = folder.path("pipeline.yaml")
            try environment.pipelineText(from: template, trafficPath: traffic).write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        }

        var childEnvironment: [String: String] {
            var env = ProcessInfo.processInfo.environment
            env["E2E_ADMIN_TOKEN"] = environment.adminToken
            env.removeValue(forKey: "TOLLGATE_DB")
            return env
        }

        func tollgate(_ arguments: [String]) throws -> ChildProcess {
            try ChildProcess(binary, arguments + ["--db", db], environment: childEnvironment)
        }

        func stop() async {
            await environment.stop()
            folder.remove()
        }
    }

    /// The run id a `rollout start` child printed.
    static func runID(of child: ChildProcess) -> String? {
        child.stdout.split(separator: "\n").first { $0.hasPrefix("Run ") }.map { String($0.dropFirst(4).prefix { $0 != ":" }) }
    }

    @Test(.timeLimit(.minutes(1)))
    func anOperatorRollbackFromAnotherProcessStopsTheRun() async throws {
        let f = try await Fixture(canaryMinSamples: 1_000_000, maxDuration: "50s")
        defer { Task { await f.stop() } }
        let start = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        defer { start.stop() }
        let store = try RunStore(path: f.db)
        let canaryChecked = await waitUntil(timeout: .seconds(30)) {
            guard let id = Self.runID(of: start) else { return false }
            return ((try? store.read { try $0.verdicts(runID: id, stage: 1) }.count) ?? 0) >= 1
        }
        #expect(canaryChecked, "the canary never ran: \(start.stdout) \(start.stderr)")
        let runID = try #require(Self.runID(of: start))
        #expect(f.environment.gateway.weights.candidate == 5)

        let rollback = try f.tollgate(["rollout", "rollback", runID, "--reason", "error budget burning"])
        defer { rollback.stop() }
        #expect(await rollback.waitForExit(timeout: .seconds(20)) == 0, "\(rollback.stderr)")
        let status = await start.waitForExit(timeout: .seconds(20))
        #expect(status == 3, "start exited \(String(describing: status)): \(start.stdout) \(start.stderr)")
        #expect(f.environment.gateway.weights.candidate == 0)
        let state = RunState.fold(try store.events(runID: runID))
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.reason == "error budget burning")
        #expect(state.finish?.trigger.hasPrefix("operator:cli:") == true)
    }

    @Test(.timeLimit(.minutes(1)))
    func twoConcurrentStartsOnOneTargetRunExactlyOne() async throws {
        let f = try await Fixture(canaryMinSamples: 1_000_000, maxDuration: "50s")
        defer { Task { await f.stop() } }
        let a = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        let b = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        defer { a.stop(); b.stop() }
        // Exactly one of them is refused, at once, naming the owner.
        let refused = await waitUntil(timeout: .seconds(30)) { !a.process.isRunning || !b.process.isRunning }
        #expect(refused)
        let (loser, winner) = a.process.isRunning ? (b, a) : (a, b)
        #expect(await loser.waitForExit(timeout: .seconds(5)) == 1)
        #expect(loser.stderr.contains("already has an active run"), "\(loser.stderr)")
        #expect(winner.process.isRunning)
        let store = try RunStore(path: f.db)
        let runs = try store.runs()
        // The refused start's run row was never committed (the lease and the run are one transaction).
        #expect(runs.count == 1)
    }

    /// SIGKILL at seeded random points across the stages; `rollout resume` must finish each run
    /// with the outcome of an uninterrupted run, a gapless journal, no repeated decision, and the
    /// router at the final weight.
    @Test(.timeLimit(.minutes(2)), arguments: [0, 1])
    func aRunKilledAtRandomPointsResumesToTheSameOutcome(half: Int) async throws {
        let f = try await Fixture(canaryMinSamples: 40, maxDuration: "30s")
        defer { Task { await f.stop() } }
        let store = try RunStore(path: f.db)

        // The uninterrupted reference run.
        let clock = ContinuousClock()
        let began = clock.now
        let reference = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        #expect(await reference.waitForExit(timeout: .seconds(60)) == 0, "\(reference.stdout) \(reference.stderr)")
        let duration = clock.now - began
        #expect(f.environment.gateway.weights.candidate == 100)

        var lcg = UInt64(0x9E37_79B9 &+ UInt64(half))
        for trial in 0..<10 {
            lcg = lcg &* 6364136223846793005 &+ 1442695040888963407
            let fraction = 0.05 + 0.9 * Double(lcg >> 11) / Double(1 << 53)
            let killAfter = duration * fraction
            try f.environment.gateway.setWeights(candidate: 0)

            let before = try store.runs().count
            let child = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
            try await Task.sleep(for: killAfter)
            child.kill()
            let runs = try store.runs()
            guard runs.count > before, let runID = runs.first?.id else {
                // Killed before the run was created: nothing to resume.
                continue
            }
            let resume = try f.tollgate(["rollout", "resume", runID, "--quiet"])
            defer { resume.stop() }
            let status = await resume.waitForExit(timeout: .seconds(60))
            let events = try store.events(runID: runID)
            let state = RunState.fold(events)
            if status == 2 || resume.stderr.contains("already ended") {
                // The kill came after the run finished.
                #expect(state.phase == .promoted, "trial \(trial)")
            } else {
                #expect(status == 0, "trial \(trial) (killed after \(killAfter)): \(resume.stdout) \(resume.stderr)")
            }
            #expect(state.phase == .promoted, "trial \(trial)")
            #expect(events.map(\.seq) == Array(1...events.count), "trial \(trial): the journal has gaps")
            let decisions = try store.read { try $0.decisions(runID: runID) }
            let keys = decisions.map { "\($0.action)@\($0.stage.map(String.init) ?? "-")" }
            #expect(Set(keys).count == keys.count, "trial \(trial): a decision was doubled: \(keys)")
            let started = events.filter { $0.kind == "stage_started" }.count
            #expect(started == 4, "trial \(trial): \(started) stage starts")
            #expect(f.environment.gateway.weights.candidate == 100, "trial \(trial)")
        }
    }
}
