import Foundation
import Testing
import TollgateCore
@testable import TollgateEngine
import TollgateStore
import TollgateTestSupport
import AsyncHTTPClient

/// Notifications of a real rollout (in-process fakes for router, traffic and judge) delivered to a
/// real HTTP receiver on loopback.
@Suite struct WebhookNotificationTests {
    struct Harness {
        let folder: TemporaryFolder
        let store: RunStore
        let pipelinePath: String
        let pipeline: Pipeline
        let client = HTTPClient(eventLoopGroupProvider: .singleton)

        init(notify: String) throws {
            folder = try TemporaryFolder()
            store = try RunStore(path: folder.path("n.db"))
            pipelinePath = try EngineFixtures.pipeline(in: folder.url, stages: """
                  - canary: { weight: 5, min_samples: 40, max_duration: 30s }
                  - full: {}
                """)
            let text = try String(contentsOfFile: pipelinePath, encoding: .utf8) + "\nnotify:\n" + notify + "\n"
            try text.write(toFile: pipelinePath, atomically: true, encoding: .utf8)
            pipeline = try DocumentLoader.loadPipeline(at: pipelinePath)
        }

        /// Runs the rollout to its end (a 1.5× slower candidate is rolled back) and returns the run id.
        func run(environment: [String: String] = [:], slowdown: Double = 1.5) async throws -> String {
            let run = try RolloutEngine.createRun(pipelinePath: pipelinePath, pipeline: pipeline, store: store, owner: "test:1")
            let notifier = RunNotifier(webhooks: pipeline.notify, store: store, httpClient: client, environment: environment)
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
                router: RecordingRouter(), traffic: SyntheticTraffic(store: store, slowdown: slowdown), judge: MeanTTFTJudge(),
                clock: FastClock(), pollInterval: .milliseconds(5), owner: "test:1", notifier: notifier))
            _ = try await engine.drive()
            return run.id
        }

        func deliveries(_ runID: String) throws -> [RunNotifier.Delivery] {
            try store.events(runID: runID).filter { $0.kind == "notification" }.map {
                try JSONDecoder().decode(RunNotifier.Delivery.self, from: Data($0.payload.utf8))
            }
        }

        func close() {
            try? client.syncShutdown()
            folder.remove()
        }
    }

    @Test func stageEventsReachAReceiverThatFailsTwiceThenSucceeds() async throws {
        let receiver = try await WebhookReceiver.start(statuses: [500, 503, 200])
        let h = try Harness(notify: "  - { name: ops, webhook: \"\(receiver.url)\", backoff: 20ms, retries: 3 }")
        defer { h.close() }
        let runID = try await h.run()
        await receiver.stop()
        let deliveries = try h.deliveries(runID)
        // stage_started, rolled_back and finished, each journaled once; one of them needed three attempts.
        #expect(deliveries.map(\.event).sorted { $0.rawValue < $1.rawValue } == [.finished, .rolledBack, .stageStarted])
        #expect(deliveries.filter { !$0.delivered }.isEmpty)
        #expect(deliveries.map(\.attempts).sorted() == [1, 1, 3])
        #expect(receiver.received.count == 5)
        let bodies = try receiver.received.map { try JSONSerialization.jsonObject(with: $0.body) as! [String: Any] }
        #expect(bodies.count == 5)
        #expect(bodies.allSatisfy { $0["schema"] as? String == "tollgate.notification/v1" && $0["run_id"] as? String == runID })
        let finished = try #require(bodies.first { $0["event"] as? String == "finished" })
        #expect(finished["outcome"] as? String == "rolled_back")
        #expect(finished["report"] as? String == "/v1/runs/\(runID)/report")
        #expect((finished["reason"] as? String)?.isEmpty == false)
        #expect(try h.store.run(runID).status == .rolledBack)
    }

    @Test func slackBodiesUseTheURLAndTokenFromTheEnvironmentAndNeitherIsJournaled() async throws {
        let receiver = try await WebhookReceiver.start()
        let h = try Harness(notify: "  - { webhook_env: TEST_SLACK_URL, token_env: TEST_HOOK_TOKEN, format: slack, events: [finished] }")
        defer { h.close() }
        let runID = try await h.run(environment: ["TEST_SLACK_URL": receiver.url, "TEST_HOOK_TOKEN": "s3cret-token"], slowdown: 1.0)
        await receiver.stop()
        #expect(receiver.received.count == 1)
        let request = try #require(receiver.received.first)
        #expect(request.authorization == "Bearer s3cret-token")
        let body = try JSONSerialization.jsonObject(with: request.body) as! [String: Any]
        #expect((body["text"] as? String)?.contains("finished: promoted") == true)
        #expect((body["blocks"] as? [[String: Any]])?.first?["type"] as? String == "section")
        let journal = try h.store.events(runID: runID).map(\.payload).joined()
        #expect(!journal.contains("s3cret-token") && !journal.contains("127.0.0.1:\(receiver.port)"))
        #expect(try h.deliveries(runID).map(\.webhook) == ["notify[0]"])
    }

    @Test func anUnreachableWebhookIsJournaledAsFailedAndTheRunStillEnds() async throws {
        let h = try Harness(notify: "  - { webhook: \"http://127.0.0.1:1/hook\", retries: 1, backoff: 10ms, events: [finished] }")
        defer { h.close() }
        let runID = try await h.run()
        #expect(try h.store.run(runID).status == .rolledBack)
        let delivery = try #require(try h.deliveries(runID).first)
        #expect(!delivery.delivered && delivery.attempts == 2 && delivery.error != nil)
    }
}

