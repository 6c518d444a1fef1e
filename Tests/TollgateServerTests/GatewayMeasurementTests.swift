import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateSimulator
import TollgateTraffic
@testable import TollgateServer

extension GatewayTests {
    /// What the gateway measures and records: only inference requests, classified the way replay
    /// classifies them, counted in `/metrics`; and what its shadow copies carry.
    @Suite("Gateway measurement and mirroring")
    struct GatewayMeasurementTests {
        @Test("a malformed stream is classified malformed by the gateway exactly as by replay's client")
        func malformedStreamMatchesReplay() async throws {
            var profile = SimulatorProfile(seed: 5, models: ["m"])
            profile.prefill = .init(medianMs: 5, spread: 0, perInputTokenMs: 0)
            profile.decode = .init(medianMs: 2, spread: 0)
            profile.outputTokens = .init(median: 8, spread: 0, min: 8, max: 8)
            let simulator = try await Simulator.start(profile: profile)
            let collector = MemorySampleSink()
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
            var running: RunningGateway?
            do {
                let gateway = try Gateway(configuration: GatewayConfiguration(
                    baseline: try Upstream(url: simulator.baseURL), candidate: try Upstream(url: simulator.baseURL)), sampleSink: collector)
                running = try await gateway.start()
                let body: JSONValue = .object([
                    "model": .string("m"), "stream": .bool(true),
                    "messages": .array([.object(["role": .string("user"), "content": .string("hello")])]),
                ])
                func replay(_ url: String, _ id: String) async -> Sample {
                    let client = ModelClient(httpClient: httpClient, endpoint: ModelEndpoint(url: url, headers: ["x-sim-fault": "malformed"]))
                    return await client.send(body, requestID: id, arm: .baseline).sample
                }
                let direct = await replay(simulator.baseURL, "direct-1")
                _ = await replay(running!.baseURL + "/v1", "via-gateway-1")
                // The client stops reading at the malformed event; the gateway records the sample
                // when the upstream's answer has passed through, under the id the client sent on the
                // wire (a UUID derived from its own id).
                let wireID = WireRequestID.uuid(for: "via-gateway-1")
                let arrived = await eventually {
                    await gateway.flushSamples()
                    return await collector.samples.contains { $0.requestID == wireID }
                }
                let ids = await collector.samples.map(\.requestID)
                #expect(arrived, "samples recorded: \(ids)")
                let recorded = try #require(await collector.samples.first { $0.requestID == wireID })
                #expect(direct.errorClass == .malformed)
                #expect(recorded.errorClass == direct.errorClass)
                #expect(recorded.errorMessage?.contains("not a JSON object") == true)
                // Events after the malformed one do not count: no finish reason is taken from them.
                #expect(recorded.finishReason == nil)
            } catch {
                await running?.stop()
                try? await httpClient.shutdown()
                await simulator.stop()
                throw error
            }
            await running?.stop()
            try await httpClient.shutdown()
            await simulator.stop()
        }

        @Test("a non-streamed 200 that is not a JSON answer is malformed at the gateway as in replay", arguments: [false, true])
        func malformedWholeAnswerMatchesReplay(faulty: Bool) async throws {
            var profile = SimulatorProfile(seed: 5, models: ["m"])
            profile.prefill = .init(medianMs: 5, spread: 0, perInputTokenMs: 0)
            profile.decode = .init(medianMs: 2, spread: 0)
            let simulator = try await Simulator.start(profile: profile)
            let collector = MemorySampleSink()
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
            var running: RunningGateway?
            do {
                let gateway = try Gateway(configuration: GatewayConfiguration(
                    baseline: try Upstream(url: simulator.baseURL), candidate: try Upstream(url: simulator.baseURL)), sampleSink: collector)
                running = try await gateway.start()
                let body: JSONValue = .object([
                    "model": .string("m"), "stream": .bool(false),
                    "messages": .array([.object(["role": .string("user"), "content": .string("hello")])]),
                ])
                // Without the fault the same answer must stay a success at both.
                let headers = faulty ? ["x-sim-fault": "malformed"] : [:]
                let direct = await ModelClient(httpClient: httpClient, endpoint: ModelEndpoint(url: simulator.baseURL, headers: headers))
                    .send(body, requestID: "direct-\(faulty)", arm: .baseline).sample
                _ = await ModelClient(httpClient: httpClient, endpoint: ModelEndpoint(url: running!.baseURL + "/v1", headers: headers))
                    .send(body, requestID: "gw-\(faulty)", arm: .baseline).sample
                let wireID = WireRequestID.uuid(for: "gw-\(faulty)")
                let arrived = await eventually {
                    await gateway.flushSamples()
                    return await collector.samples.contains { $0.requestID == wireID }
                }
                #expect(arrived)
                let recorded = try #require(await collector.samples.first { $0.requestID == wireID })
                #expect(direct.errorClass == (faulty ? .malformed : nil))
                #expect(recorded.errorClass == direct.errorClass, "\(recorded.errorMessage ?? "")")
                if faulty { #expect(recorded.errorMessage?.contains("not a JSON object") == true) }
            } catch {
                await running?.stop()
                try? await httpClient.shutdown()
                await simulator.stop()
                throw error
            }
            await running?.stop()
            try await httpClient.shutdown()
            await simulator.stop()
        }

        @Test("tollgate_gateway_samples_total counts the samples written, as /admin/stats does")
        func samplesMetricCountsWrites() async throws {
            let collector = MemorySampleSink()
            try await GatewayHarness.with(sampleSink: collector) { (h: GatewayHarness) async throws in
                for _ in 0..<3 { #expect(try await h.complete().status == 200) }
                await h.gateway.flushSamples()
                let metrics = try await h.send("/metrics").body
                #expect(metrics.contains(#"tollgate_gateway_samples_total{outcome="written"} 3"#), "\(metrics)")
                #expect(metrics.contains(#"tollgate_gateway_samples_total{outcome="dropped"} 0"#))
                let stats = try await h.send("/admin/stats", headers: [("authorization", "Bearer \(GatewayHarness.token)")]).body
                #expect(stats.contains(#""samples":{"dropped":0,"failedWrites":0,"written":3}"#), "\(stats)")
                #expect(await collector.samples.count == 3)
            }
        }

        @Test("model lists and other non-inference requests are passed through, never sampled, counted or mirrored")
        func onlyInferenceIsSampled() async throws {
            let collector = MemorySampleSink()
            try await GatewayHarness.with(sampleSink: collector, configure: { $0.mirrorPercent = 100 }) { (h: GatewayHarness) async throws in
                #expect(try await h.send("/v1/models").status == 200)
                #expect(try await h.send("/v1/models/nosuch").status == 404)
                #expect(try await h.send("/echo", method: .POST, body: "{}").status == 200)
                #expect(try await h.complete().status == 200)
                #expect(await eventually { h.gateway.metrics.snapshot.mirror.completed == 1 })
                await h.gateway.flushSamples()
                let samples = await collector.samples
                #expect(samples.map(\.arm).sorted { $0.rawValue < $1.rawValue } == [.baseline, .shadow])
                let snapshot = h.gateway.metrics.snapshot
                #expect(snapshot.passedThrough[.baseline] == 3)
                #expect(snapshot.errors.isEmpty)
                #expect(snapshot.requests[.baseline]?[200] == 1)
                #expect(snapshot.mirror.enqueued == 1)
                #expect(try await h.send("/metrics").body.contains(#"tollgate_gateway_passthrough_total{arm="baseline"} 3"#))
            }
        }

        @Test("shadow copies carry no user credentials, only the mirror target's own key")
        func mirrorStripsCredentials() async throws {
            let userHeaders = [
                ("authorization", "Bearer user-secret"), ("cookie", "session=user-cookie"),
                ("x-api-key", "user-key"), ("api-key", "user-azure-key"), ("x-trace", "kept"),
            ]
            for mirrorKey in [String?.none, "mirror-key"] {
                try await GatewayHarness.with(configure: { $0.mirrorPercent = 100; $0.mirrorAPIKey = mirrorKey }) { (h: GatewayHarness) async throws in
                    #expect(try await h.complete(headers: userHeaders).status == 200)
                    #expect(await eventually { h.gateway.metrics.snapshot.mirror.completed == 1 })
                    // The user's request went where the user sent it, with the user's credentials.
                    let primary = try #require(h.baseline.seen.last)
                    #expect(primary.headers["authorization"] == "Bearer user-secret")
                    let copy = try #require(h.candidate.seen.last)
                    #expect(copy.path == "/v1/completions")
                    #expect(copy.headers["cookie"] == nil)
                    #expect(copy.headers["x-api-key"] == nil)
                    #expect(copy.headers["api-key"] == nil)
                    #expect(copy.headers["authorization"] == mirrorKey.map { "Bearer \($0)" })
                    #expect(copy.headers["x-trace"] == "kept")
                    #expect(!copy.headers.values.contains { $0.contains("user-") })
                }
            }
        }
    }
}
