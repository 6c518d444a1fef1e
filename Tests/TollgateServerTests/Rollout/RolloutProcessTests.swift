import Foundation
import Testing
import TollgateCore
import TollgateDemo
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

        /// With `onInterrupt`, the pipeline sets `rollback.on_interrupt`. The candidate needs an API
        /// key (E2E_CANDIDATE_KEY) that only ``tollgate(_:candidateKey:)`` with `true` passes on.
        init(canaryMinSamples: Int, maxDuration: String, candidate: SimulatorProfile? = nil, onInterrupt: String? = nil) async throws {
            binary = try TollgateCLI.binary()
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
              candidate: { version: "2.0", endpoint: "\(DemoEnvironment.placeholderCandidate)", api_key_env: E2E_CANDIDATE_KEY }
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
            """ + (onInterrupt.map { "\nrollback:\n  on: [ { analysis: fail } ]\n  on_interrupt: \($0)\n" } ?? "")
            pipelinePath = folder.path("pipeline.yaml")
            try environment.pipelineText(from: template, trafficPath: traffic).write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        }

        func childEnvironment(candidateKey: Bool) -> [String: String] {
            var env = ProcessInfo.processInfo.environment
            env["E2E_ADMIN_TOKEN"] = environment.adminToken
            if candidateKey { env["E2E_CANDIDATE_KEY"] = "sk-e2e-candidate" } else { env.removeValue(forKey: "E2E_CANDIDATE_KEY") }
            env.removeValue(forKey: "TOLLGATE_DB")
            return env
        }

        func tollgate(_ arguments: [String], candidateKey: Bool = true) throws -> ChildProcess {
            try ChildProcess(binary, arguments + ["--db", db], environment: childEnvironment(candidateKey: candidateKey))
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
        let duration = try await Self.referenceRunDuration(f)
        for (trial, fraction) in Self.seededFractions(seed: 0x9E37_79B9 &+ UInt64(half), count: 10).enumerated() {
            let killAfter = duration * fraction
            let (_, created) = try await Self.startAndInterrupt(f, store: store, after: killAfter, signal: SIGKILL)
            // Killed before the run was created: nothing to resume.
            guard let runID = created else { continue }
            try await Self.expectResumedToPromotion(runID, f: f, store: store, trial: "trial \(trial) (killed after \(killAfter))")
        }
    }

    /// Runs the pipeline once without interruption (it must be promoted) and returns how long it took.
    static func referenceRunDuration(_ f: Fixture) async throws -> Duration {
        let clock = ContinuousClock()
        let began = clock.now
        let reference = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        defer { reference.stop() }
        #expect(await reference.waitForExit(timeout: .seconds(60)) == 0, "\(reference.stdout) \(reference.stderr)")
        #expect(f.environment.gateway.weights.candidate == 100)
        return clock.now - began
    }

    /// Starts a run from weight 0, sends `signal` to the driving process after `after` (SIGKILL:
    /// and reaps it), and returns the process and the id of the run it created, if it got so far.
    static func startAndInterrupt(_ f: Fixture, store: RunStore, after: Duration, signal: Int32) async throws -> (ChildProcess, String?) {
        try f.environment.gateway.setWeights(candidate: 0)
        let before = try store.runs().count
        let child = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        try await Task.sleep(for: after)
        if signal == SIGKILL { child.kill() } else { child.signal(signal) }
        let runs = try store.runs()
        return (child, runs.count > before ? runs.first?.id : nil)
    }

    /// `count` fractions in 0.05...0.95 from a seeded linear congruential generator: the moments of a run's
    /// duration at which the trials interrupt it.
    static func seededFractions(seed: UInt64, count: Int) -> [Double] {
        var lcg = seed
        return (0..<count).map { _ in
            lcg = lcg &* 6364136223846793005 &+ 1442695040888963407
            return 0.05 + 0.9 * Double(lcg >> 11) / Double(1 << 53)
        }
    }

    /// `rollout resume` finishes an interrupted run with the outcome of an uninterrupted one: a
    /// gapless journal, no repeated decision, four stage starts, the router at 100%.
    static func expectResumedToPromotion(_ runID: String, f: Fixture, store: RunStore, trial: String) async throws {
        let resume = try f.tollgate(["rollout", "resume", runID, "--quiet"])
        defer { resume.stop() }
        let status = await resume.waitForExit(timeout: .seconds(60))
        let events = try store.events(runID: runID)
        let state = RunState.fold(events)
        if status == 2 || resume.stderr.contains("already ended") {
            // The kill came after the run finished.
            #expect(state.phase == .promoted, "\(trial)")
        } else {
            #expect(status == 0, "\(trial): \(resume.stdout) \(resume.stderr)")
        }
        #expect(state.phase == .promoted, "\(trial)")
        #expect(events.map(\.seq) == Array(1...events.count), "\(trial): the journal has gaps")
        let decisions = try store.read { try $0.decisions(runID: runID) }
        let keys = decisions.map { "\($0.action)@\($0.stage.map(String.init) ?? "-")" }
        #expect(Set(keys).count == keys.count, "\(trial): a decision was doubled: \(keys)")
        let started = events.filter { $0.kind == "stage_started" }.count
        #expect(started == 4, "\(trial): \(started) stage starts")
        // One verdict per shadow check, even when the process died right after it.
        #expect(try store.read { try $0.verdicts(runID: runID, stage: 0) }.count == 1, "\(trial): the shadow verdict was doubled")
        #expect(f.environment.gateway.weights.candidate == 100, "\(trial)")
    }

    /// SIGINT and SIGTERM at seeded random points: the driving process journals `paused` with the
    /// signal as the reason (unless the run already ended), releases the lease and exits 128 + the
    /// signal; no request cut by the signal is stored as a model error (the simulators make none);
    /// `rollout resume` then finishes the run as an uninterrupted one.
    @Test(.timeLimit(.minutes(3)), arguments: [SIGINT, SIGTERM])
    func aRunInterruptedAtRandomPointsPausesAndResumesToTheSameOutcome(signal: Int32) async throws {
        let f = try await Fixture(canaryMinSamples: 40, maxDuration: "30s")
        defer { Task { await f.stop() } }
        let store = try RunStore(path: f.db)
        let duration = try await Self.referenceRunDuration(f)
        for (trial, fraction) in Self.seededFractions(seed: 0xC0FF_EE00 &+ UInt64(signal), count: 6).enumerated() {
            let signalAfter = duration * fraction
            let (child, created) = try await Self.startAndInterrupt(f, store: store, after: signalAfter, signal: signal)
            defer { child.stop() }
            let status = await child.waitForExit(timeout: .seconds(20))
            let label = "signal \(signal) trial \(trial) (after \(signalAfter))"
            guard let runID = created else { continue }
            let state = RunState.fold(try store.events(runID: runID))
            if state.phase == .promoted {
                // The run ended before the signal: the process exits 0, or 128 + the signal when it
                // caught it while driving, or dies of it when it came after the handlers were
                // given back (while the process was printing the outcome and exiting).
                let diedOfIt = child.endedBySignal && status == signal
                #expect(status == 0 || status == 128 + signal || diedOfIt, "\(label): exited \(String(describing: status)), by a signal: \(child.endedBySignal): \(child.stdout) \(child.stderr)")
            } else {
                #expect(status == 128 + signal, "\(label): exited \(String(describing: status)): \(child.stdout) \(child.stderr)")
                #expect(state.phase == .paused, "\(label): left \(state.phase)")
                #expect(state.pauseReason == "interrupted by \(signal == SIGINT ? "SIGINT" : "SIGTERM")", "\(label)")
                #expect(child.stdout.contains("tollgate rollout resume \(runID)"), "\(label): \(child.stdout)")
                #expect(try store.read { try $0.lease(target: "process-e2e-model") } == nil, "\(label): the lease was kept")
                if let weight = state.weight { #expect(f.environment.gateway.weights.candidate == weight, "\(label)") }
            }
            let errors = try store.read { try $0.samples(runID: runID) }.filter { $0.errorClass != nil }
            #expect(errors.isEmpty, "\(label): requests cut by the signal were stored as model errors: \(errors.prefix(3).map { "\($0.errorClass!) \($0.errorMessage ?? "")" })")
            try await Self.expectResumedToPromotion(runID, f: f, store: store, trial: label)
        }
    }

    /// `rollback.on_interrupt: rollback`: a signal mid-canary rolls the run back (weight 0).
    @Test(.timeLimit(.minutes(1)))
    func anInterruptRollsBackWhenThePipelineSaysSo() async throws {
        let f = try await Fixture(canaryMinSamples: 1_000_000, maxDuration: "50s", onInterrupt: "rollback")
        defer { Task { await f.stop() } }
        let start = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        defer { start.stop() }
        let store = try RunStore(path: f.db)
        let runID = try await Self.waitForCanaryCheck(start, store: store)
        #expect(f.environment.gateway.weights.candidate == 5)
        start.signal(SIGTERM)
        #expect(await start.waitForExit(timeout: .seconds(20)) == 128 + SIGTERM, "\(start.stdout) \(start.stderr)")
        let state = RunState.fold(try store.events(runID: runID))
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.reason == "interrupted by SIGTERM")
        #expect(f.environment.gateway.weights.candidate == 0)
    }

    /// The driver dies mid-canary (SIGKILL): `rollout rollback`, run without the candidate's API key,
    /// applies the rollback itself at once, through the router alone.
    @Test(.timeLimit(.minutes(1)))
    func anEmergencyRollbackAfterTheDriverDiedReachesTheRouterAtOnce() async throws {
        let f = try await Fixture(canaryMinSamples: 1_000_000, maxDuration: "50s")
        defer { Task { await f.stop() } }
        let start = try f.tollgate(["rollout", "start", f.pipelinePath, "--quiet"])
        defer { start.stop() }
        let store = try RunStore(path: f.db)
        let runID = try await Self.waitForCanaryCheck(start, store: store)
        #expect(f.environment.gateway.weights.candidate == 5)
        start.kill()

        let clock = ContinuousClock()
        let began = clock.now
        let rollback = try f.tollgate(["rollout", "rollback", runID, "--reason", "driver died"], candidateKey: false)
        defer { rollback.stop() }
        let reachedZero = await waitUntil(timeout: .seconds(10)) { f.environment.gateway.weights.candidate == 0 }
        let elapsed = clock.now - began
        #expect(reachedZero, "the weight stayed at \(f.environment.gateway.weights.candidate)%: \(rollback.stdout) \(rollback.stderr)")
        #expect(await rollback.waitForExit(timeout: .seconds(20)) == 0, "\(rollback.stdout) \(rollback.stderr)")
        #expect(rollback.stdout.contains("ROLLED BACK"), "\(rollback.stdout)")
        let state = RunState.fold(try store.events(runID: runID))
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.reason == "driver died")
        // Process start included; the router call itself is one HTTP request.
        #expect(elapsed < .seconds(5), "weight 0 after \(elapsed)")
        print("emergency rollback: weight 0 after \(elapsed) (process start included)")
    }

    /// SIGTERM to a `tollgate serve` that drives a canary: the requests its shutdown cuts are not
    /// stored as model errors, nothing is judged or decided after the signal, and the normal
    /// shutdown logs no error.
    @Test(.timeLimit(.minutes(1)))
    func serveStoppedBySIGTERMStoresNoCutRequestAndDecidesNothingAfterwards() async throws {
        let f = try await Fixture(canaryMinSamples: 1_000_000, maxDuration: "50s")
        defer { Task { await f.stop() } }
        let detach = try f.tollgate(["rollout", "start", f.pipelinePath, "--detach"])
        defer { detach.stop() }
        #expect(await detach.waitForExit(timeout: .seconds(20)) == 0, "\(detach.stdout) \(detach.stderr)")
        let runID = try #require(Self.runID(of: detach))
        var env = f.childEnvironment(candidateKey: true)
        env["TOLLGATE_TOKEN"] = "serve-sigterm"
        let serve = try ChildProcess(f.binary, ["serve", "--listen", "127.0.0.1:0", "--db", f.db], environment: env)
        defer { serve.stop() }
        let store = try RunStore(path: f.db)
        let checked = await waitUntil(timeout: .seconds(30)) {
            ((try? store.read { try $0.verdicts(runID: runID, stage: 1) }.count) ?? 0) >= 2
        }
        #expect(checked, "serve never drove the canary: \(serve.stdout) \(serve.stderr)")
        let signalled = Date()
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(20)) == 0, "\(serve.stdout) \(serve.stderr)")
        let errors = try store.read { try $0.samples(runID: runID) }.filter { $0.errorClass != nil }
        #expect(errors.isEmpty, "requests cut by the shutdown were stored as model errors: \(errors.prefix(3).map { "\($0.errorClass!) \($0.errorMessage ?? "")" })")
        let late = try store.events(runID: runID).filter {
            $0.at > signalled && ["check", "stage_completed", "quality_evaluated", "promoted", "rolled_back", "paused"].contains($0.kind)
        }
        #expect(late.isEmpty, "judged or decided after the signal: \(late.map(\.kind))")
        #expect(!serve.stderr.contains(" error "), "the normal shutdown logged an error: \(serve.stderr)")
        #expect(!serve.stderr.contains("CancellationError"), "\(serve.stderr)")
    }

    /// Waits until the canary of the run `start` drives has made a check; returns the run id.
    static func waitForCanaryCheck(_ start: ChildProcess, store: RunStore) async throws -> String {
        let checked = await waitUntil(timeout: .seconds(30)) {
            guard let id = Self.runID(of: start) else { return false }
            return ((try? store.read { try $0.verdicts(runID: id, stage: 1) }.count) ?? 0) >= 1
        }
        #expect(checked, "the canary never ran: \(start.stdout) \(start.stderr)")
        return try #require(Self.runID(of: start))
    }
}
