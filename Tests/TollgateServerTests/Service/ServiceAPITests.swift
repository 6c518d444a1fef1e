import Foundation
import NIOHTTP1
import Testing
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateStore
import TollgateTestSupport

/// The service's HTTP surface: authentication, malformed and oversized bodies, the run API.
@Suite struct ServiceAPITests {
    @Test func healthNeedsNoTokenButEverythingElseDoes() async throws {
        let h = try await ServiceHarness(supervise: false)
        do {
            #expect(try await h.request(.GET, "/health", token: nil).status == 200)
            #expect(try await h.request(.GET, "/ready", token: nil).status == 200)
            for path in ["/v1/runs", "/metrics"] {
                #expect(try await h.request(.GET, path, token: nil).status == 401)
                #expect(try await h.request(.GET, path, token: "wrong").status == 401)
                #expect(try await h.request(.GET, path).status == 200)
            }
            let unauthorized = try await h.request(.POST, "/v1/alerts/alertmanager", body: try ServiceHarness.fixture("alertmanager-webhook-firing.json"), token: nil)
            #expect(unauthorized.status == 401)
            #expect(try h.store.read { try $0.alerts() }.isEmpty, "an unauthenticated request changed something")
        } catch { Issue.record(error) }
        await h.stop()
    }

    @Test func malformedAndOversizedBodiesAreRefusedAndChangeNothing() async throws {
        let h = try await ServiceHarness(supervise: false, maxBodyBytes: 4096)
        do {
            for body in ["{", "[]", #"{"alerts": "no"}"#, #"{"version":"3","alerts":[]}"#,
                         #"{"version":"4","alerts":[{"status":"burning","labels":{"a":"b"}}]}"#,
                         #"{"version":"4","alerts":[{"status":"firing","labels":{}}]}"#,
                         #"{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"}]}"#] {
                let reply = try await h.request(.POST, "/v1/alerts/alertmanager", body: body)
                #expect(reply.status == 400, "\(body) → \(reply.status) \(reply.body)")
                #expect(reply.body.contains("\"error\""))
            }
            #expect(try await h.request(.POST, "/v1/alerts", body: #"{"status":"firing"}"#).status == 400)
            let huge = #"{"labels":{"alertname":"\#(String(repeating: "x", count: 10_000))"}}"#
            #expect(try await h.request(.POST, "/v1/alerts", body: huge).status == 413)
            #expect(try h.store.read { try $0.alerts() }.isEmpty)
        } catch { Issue.record(error) }
        await h.stop()
    }

    @Test func alertsAreStoredOnceHoweverOftenTheyArrive() async throws {
        let h = try await ServiceHarness(supervise: false)
        do {
            let firing = try ServiceHarness.fixture("alertmanager-webhook-firing.json")
            for _ in 0..<3 {
                let reply = try await h.request(.POST, "/v1/alerts/alertmanager", body: firing)
                #expect(reply.status == 202)
            }
            let resolved = try ServiceHarness.fixture("alertmanager-webhook-resolved.json")
            #expect(try await h.request(.POST, "/v1/alerts/alertmanager", body: resolved).status == 202)
            let stored = try h.store.read { try $0.alerts() }
            #expect(stored.count == 2)
            #expect(Set(stored.map(\.status)) == ["firing", "resolved"])
            #expect(stored.allSatisfy { $0.fingerprint == "02213eea915c8e7b" })
            // The raw body is kept as received, with personal data and secrets redacted.
            #expect(stored.first { $0.status == "firing" }?.raw == Redactor.builtIn.redact(firing))
            let metrics = try await h.request(.GET, "/metrics").body
            #expect(metrics.contains("tollgate_alerts_received_total 4"))
            #expect(metrics.contains("tollgate_alerts_duplicate_total 2"))
            #expect(metrics.contains("tollgate_alerts_stored_total{status=\"firing\"} 1"))
        } catch { Issue.record(error) }
        await h.stop()
    }

    @Test func theRunAPIAnswers404And409AndAcceptsCommands() async throws {
        let h = try await ServiceHarness(supervise: false)
        do {
            #expect(try await h.request(.GET, "/v1/runs/nope").status == 404)
            #expect(try await h.request(.POST, "/v1/runs/nope/rollback").status == 404)
            // A rollout run created directly (nobody drives it: supervision is off).
            let path = try PipelineYAML.alertable(name: "api-test", model: "api-model").write(in: h.folder.url, fileName: "p.yaml")
            let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: try DocumentLoader.loadPipeline(at: path), store: h.store)
            let shown = try await h.request(.GET, "/v1/runs/\(run.id)")
            #expect(shown.status == 200)
            #expect((shown.json as? [String: Any])?["phase"] as? String == "running")
            #expect(try await h.request(.POST, "/v1/runs/\(run.id)/approve").status == 409)
            #expect(try await h.request(.POST, "/v1/runs/\(run.id)/resume").status == 409)
            #expect(try await h.request(.POST, "/v1/runs/\(run.id)/explode").status == 404)
            #expect(try await h.request(.POST, "/v1/runs/\(run.id)/pause", body: "{not json").status == 400)
            // Promote, rollback and abort need a reason in the API as on the command line.
            let unexplained = try h.store.events(runID: run.id).count
            for action in ["promote", "rollback", "abort"] {
                for body in [nil, #"{}"#, #"{"reason":"  "}"#] {
                    let reply = try await h.request(.POST, "/v1/runs/\(run.id)/\(action)", body: body)
                    #expect(reply.status == 400, "\(action) \(body ?? "no body") → \(reply.status)")
                    #expect(reply.body.contains("reason_required"), "\(reply.body)")
                }
            }
            #expect(try h.store.events(runID: run.id).count == unexplained)
            let before = try h.store.events(runID: run.id).count
            let paused = try await h.request(.POST, "/v1/runs/\(run.id)/pause", body: #"{"reason":"freeze window"}"#)
            #expect(paused.status == 202)
            let events = try h.store.events(runID: run.id)
            #expect(events.count == before + 1)
            let command = try #require(events.last)
            #expect(command.kind == "command")
            let asked = try command.payload(as: RunEventPayload.Command.self)
            #expect(asked.command == .pause && asked.reason == "freeze window" && asked.source == "api")
            // The list has the shape `rollout list --json` and `history --json` print (snake_case).
            let list = try await h.request(.GET, "/v1/runs")
            let runs = try #require((list.json as? [String: Any])?["runs"] as? [[String: Any]], "\(list.body)")
            #expect(runs.map { $0["id"] as? String } == [run.id])
            let listed = try #require(runs.first)
            #expect(listed["kind"] as? String == "rollout" && listed["state"] as? String == "running")
            #expect(listed["created_at"] is String && listed["status"] as? String == "running", "\(listed)")
        } catch { Issue.record(error) }
        await h.stop()
    }
}
