import AsyncHTTPClient
import Foundation
import Hummingbird
import Testing
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateSimulator
import TollgateStore
import TollgateTestSupport

/// A webhook receiver on a free loopback port that keeps the bodies it was sent.
actor WebhookReceiver {
    private(set) var bodies: [String] = []
    func keep(_ body: String) { bodies.append(body) }

    static func start(_ receiver: WebhookReceiver) async throws -> (port: Int, task: Task<Void, any Error>) {
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            await receiver.keep(String(buffer: body))
            return .ok
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await app.run() }
        for await port in ports { return (port, task) }
        throw CancellationError()
    }
}

@Suite struct DriftSuiteRunnerTests {
    /// The reference (fast answers, TTFT ≈ 20 ms, as when the version was promoted) and the
    /// traffic a drift suite replays, as `reference.jsonl` and `traffic.jsonl` in `folder`.
    static func writeReferenceAndTraffic(in folder: TemporaryFolder) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let reference = (0..<80).map { i in
            Sample(requestID: "r\(i)", arm: .candidate, startedAt: Date(timeIntervalSince1970: 1_790_000_000),
                   ttftMs: 18 + Double(i % 5), chunkTimesMs: [20, 22, 24], e2eMs: 24, outputTokens: 3, finishReason: "stop", httpStatus: 200)
        }
        try reference.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
            .write(toFile: folder.path("reference.jsonl"), atomically: true, encoding: .utf8)
        try (0..<20).map { #"{"messages":[{"role":"user","content":"q\#($0)"}]}"# }.joined(separator: "\n")
            .write(toFile: folder.path("traffic.jsonl"), atomically: true, encoding: .utf8)
    }

    @Test(.timeLimit(.minutes(1)))
    func driftFoundIsPostedToTheWebhookAndRollsBackTheSuitesPipeline() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("d.db"))
        var slow = RolloutEndToEndTests.fast(seed: 3)
        slow.prefill.medianMs = 200
        let sim = try await Simulator.start(profile: slow)
        let receiver = WebhookReceiver()
        let (hookPort, hookTask) = try await WebhookReceiver.start(receiver)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try Self.writeReferenceAndTraffic(in: folder)
            try """
            version: 1
            kind: driftsuite
            name: live-drift
            target: { endpoint: "\(sim.baseURL)" }
            reference: { file: reference.jsonl }
            current: { replay: { traffic: traffic.jsonl, requests: 60, concurrency: 8 } }
            features: [ttft_ms]
            schedule: { cron: "*/5 * * * *" }
            notify: { webhook: "http://127.0.0.1:\(hookPort)/hook" }
            on_drift: { rollback: true, pipeline: drift-pipeline }
            """.write(toFile: folder.path("suite.yaml"), atomically: true, encoding: .utf8)
            // An active rollout of the pipeline the suite guards.
            let run = try store.createRun(NewRun(kind: .rollout, name: "drift-pipeline", target: "m", pipelineText: "version: 1"))
            let (suites, problems) = try DriftSuiteRunner.scheduledSuites(in: folder.url.path)
            #expect(problems.isEmpty, "\(problems)")
            let suite = try #require(suites.first)

            try await DriftSuiteRunner(store: store, httpClient: http).execute(suite, at: Date())

            let results = try store.read { try $0.driftResults(suite: "live-drift") }
            #expect(results.first?.drifted == true)
            let posted = await receiver.bodies
            #expect(posted.count == 1)
            #expect(posted.first?.contains("ttft_ms") == true)
            let command = try store.events(runID: run.id).first { $0.kind == "command" }
            #expect(try command?.payload(as: RunEventPayload.Command.self).source == "drift:live-drift")
        } catch { Issue.record(error) }
        try? await http.shutdown()
        hookTask.cancel()
        await sim.stop()
    }

    /// `tollgate drift run` (what cron calls) acts on drift exactly as the scheduler does: it
    /// posts the verdict and asks the suite's pipeline's active rollout to roll back.
    @Test(.timeLimit(.minutes(1)))
    func driftRunFromTheCommandLineHonoursOnDrift() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("d.db")
        let store = try RunStore(path: db)
        var slow = RolloutEndToEndTests.fast(seed: 3)
        slow.prefill.medianMs = 200
        let sim = try await Simulator.start(profile: slow)
        let receiver = WebhookReceiver()
        let (hookPort, hookTask) = try await WebhookReceiver.start(receiver)
        do {
            try Self.writeReferenceAndTraffic(in: folder)
            let suite = folder.path("suite.yaml")
            try """
            version: 1
            kind: driftsuite
            name: cron-drift
            target: { endpoint: "\(sim.baseURL)" }
            reference: { file: reference.jsonl }
            current: { replay: { traffic: traffic.jsonl, requests: 60, concurrency: 8 } }
            features: [ttft_ms]
            notify: { webhook: "http://127.0.0.1:\(hookPort)/hook" }
            on_drift: { rollback: true, pipeline: drift-pipeline }
            """.write(toFile: suite, atomically: true, encoding: .utf8)
            let run = try store.createRun(NewRun(kind: .rollout, name: "drift-pipeline", target: "m", pipelineText: "version: 1"))
            let other = try store.createRun(NewRun(kind: .rollout, name: "another-pipeline", target: "n", pipelineText: "version: 1"))

            let binary = try TollgateCLI.binary()
            let child = try ChildProcess(binary, ["drift", "run", suite, "--db", db])
            defer { child.stop() }
            let status = await child.waitForExit(timeout: .seconds(45))
            #expect(status == 5, "drift run exited \(String(describing: status)): \(child.stdout) \(child.stderr)")
            #expect(await receiver.bodies.count == 1)
            let command = try store.events(runID: run.id).first { $0.kind == "command" }
            let asked = try command?.payload(as: RunEventPayload.Command.self)
            #expect(asked?.source == "drift:cron-drift", "on_drift was ignored: \(child.stderr)")
            #expect(asked?.command == .rollback)
            #expect(try store.events(runID: other.id).allSatisfy { $0.kind != "command" }, "another pipeline's run was touched")
            #expect(child.stderr.contains("asked run \(run.id)"), "\(child.stderr)")
        } catch { Issue.record(error) }
        hookTask.cancel()
        await sim.stop()
    }
}
