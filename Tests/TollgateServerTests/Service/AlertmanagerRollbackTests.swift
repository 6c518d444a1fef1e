import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateDemo
import TollgateEngine
import TollgateServer
import TollgateStore
import TollgateTestSupport

/// A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) posting its webhook to
/// `tollgate serve`, which rolls back a rollout held at a canary stage.
@Suite(.serialized) struct AlertmanagerRollbackTests {
    static let binary = "/usr/bin/prometheus-alertmanager"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary), "prometheus-alertmanager is not installed"),
          .timeLimit(.minutes(1)))
    func aFiringAlertRollsTheCanaryBackAndItsResolutionDoesNothing() async throws {
        let environment = try await DemoEnvironment.start(baseline: RolloutEndToEndTests.fast(seed: 1), candidate: RolloutEndToEndTests.fast(seed: 2))
        let h = try await ServiceHarness(supervise: true)
        var alertmanager: ChildProcess?
        defer { alertmanager?.stop() }
        do {
            // The gateway's admin token reaches the supervisor's router through the environment.
            let tokenVariable = "TOLLGATE_TEST_ADMIN_\(UUID().uuidString.prefix(8))"
            setenv(tokenVariable, environment.adminToken, 1)
            let model = "am-model-\(UUID().uuidString.prefix(6))"
            let traffic = h.folder.path("traffic.jsonl")
            try (0..<20).map { #"{"body":{"messages":[{"role":"user","content":"q\#($0)"}],"stream":true}}"# }.joined(separator: "\n")
                .write(toFile: traffic, atomically: true, encoding: .utf8)
            let template = """
            version: 1
            kind: pipeline
            name: alert-test
            model:
              name: \(model)
              baseline:  { version: "1", endpoint: "\(DemoEnvironment.placeholderBaseline)" }
              candidate: { version: "2", endpoint: "\(DemoEnvironment.placeholderCandidate)" }
            traffic: { source: traffic.jsonl, concurrency: 4 }
            router: { type: gateway, admin: "\(DemoEnvironment.placeholderGateway)", token_env: \(tokenVariable) }
            analysis:
              check_interval: 500ms
              metrics: [ { metric: ttft_ms, tolerance: 10%, critical: true } ]
            stages:
              - canary: { weight: 5, min_samples: 1000000, max_duration: 10m }
              - full: {}
            rollback:
              on:
                - alert: { match: { alertname: ModelHighErrorRate, model: \(model) } }
            """
            let path = h.folder.path("pipeline.yaml")
            try environment.pipelineText(from: template, trafficPath: traffic).write(toFile: path, atomically: true, encoding: .utf8)
            // Started "detached": its owner process is gone, so the service's supervisor drives it.
            let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: try DocumentLoader.loadPipeline(at: path), store: h.store,
                                                  owner: "\(ProcessInfo.processInfo.hostName):2147483646")
            let held = await waitUntil(timeout: .seconds(20)) { environment.gateway.weights.candidate == 5 }
            #expect(held, "the supervisor did not drive the run to its canary")

            // Alertmanager, routing every alert to the service with the bearer token.
            let amPort = try freeLoopbackPort()
            let config = """
            route: { receiver: tollgate, group_by: ['alertname'], group_wait: 1s, group_interval: 2s, repeat_interval: 1h }
            receivers:
              - name: tollgate
                webhook_configs:
                  - url: "\(h.running.baseURL)/v1/alerts/alertmanager"
                    send_resolved: true
                    http_config: { authorization: { credentials: "\(ServiceHarness.token)" } }
            """
            try config.write(toFile: h.folder.path("am.yml"), atomically: true, encoding: .utf8)
            alertmanager = try ChildProcess(URL(fileURLWithPath: Self.binary), [
                "--config.file=\(h.folder.path("am.yml"))", "--storage.path=\(h.folder.path("am-data"))",
                "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
            ])
            let amURL = "http://127.0.0.1:\(amPort)"
            let ready = await waitUntil(timeout: .seconds(15)) { ((try? await Self.status(h.client, .GET, amURL + "/-/ready")) ?? 0) == 200 }
            #expect(ready, "Alertmanager did not start: \(alertmanager?.stderr ?? "")")

            let labels = #"{"alertname":"ModelHighErrorRate","model":"\#(model)","severity":"page"}"#
            #expect(try await Self.status(h.client, .POST, amURL + "/api/v2/alerts",
                                          body: #"[{"labels":\#(labels),"annotations":{"summary":"candidate 5xx above budget"}}]"#) == 200)
            let rolledBack = await waitUntil(timeout: .seconds(20)) {
                RunState.fold((try? h.store.events(runID: run.id)) ?? []).phase == .rolledBack
            }
            #expect(rolledBack, "the run was not rolled back")
            #expect(environment.gateway.weights.candidate == 0)
            let events = try h.store.events(runID: run.id)
            let firing = try #require(try h.store.read { try $0.alerts() }.first { $0.status == "firing" })
            let command = try #require(events.first { $0.kind == "command" })
            #expect(try command.payload(as: RunEventPayload.Command.self).source == "alert:\(firing.fingerprint)")
            let finished = try #require(events.first { $0.kind == "rolled_back" })
            #expect(try finished.payload(as: RunEventPayload.Finished.self).trigger == "operator:alert:\(firing.fingerprint)")
            let delay = finished.at.timeIntervalSince(firing.receivedAt)
            #expect(delay < 1.0, "rolled back \(delay) s after the alert arrived")

            // Resolve it: Alertmanager sends a resolved notification, which is stored and does nothing.
            let ended = ISO8601DateFormatter().string(from: Date())
            #expect(try await Self.status(h.client, .POST, amURL + "/api/v2/alerts",
                                          body: #"[{"labels":\#(labels),"endsAt":"\#(ended)"}]"#) == 200)
            let resolvedArrived = await waitUntil(timeout: .seconds(25)) {
                ((try? h.store.read { try $0.alerts() }) ?? []).contains { $0.status == "resolved" }
            }
            #expect(resolvedArrived, "the resolved notification never arrived")
            #expect(try h.store.events(runID: run.id).count == events.count, "the resolution changed the run")
        } catch { Issue.record(error) }
        alertmanager?.stop()
        await h.stop()
        await environment.stop()
    }

    static func status(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, body: String? = nil) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
