import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateTraffic
@testable import TollgateServer

extension GatewayTests {
    @Suite("Gateway upstream failures")
    struct GatewayFailureTests {
        @Test("an upstream that is down gets 502 with a JSON error and a counted connect error")
        func upstreamDown() async throws {
            try await GatewayHarness.with(configure: { $0.candidatePercent = 100 }) { (h: GatewayHarness) async throws in
                await h.candidate.stop()
                let start = ContinuousClock.now
                let r = try await h.complete()
                #expect(ContinuousClock.now - start < .seconds(3))
                #expect(r.status == 502)
                #expect(r.headers.first(name: "x-tollgate-arm") == "candidate")
                let json = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any]
                let error = json?["error"] as? [String: Any]
                #expect(error?["code"] as? String == "connect")
                #expect(h.gateway.metrics.snapshot.errors[.candidate]?[.connect] == 1)
                // The gateway keeps serving the other arm.
                try h.gateway.setWeights(candidate: 0)
                #expect(try await h.complete().status == 200)
            }
        }

        @Test("an upstream slower than the response timeout gets 504")
        func upstreamTimeout() async throws {
            try await GatewayHarness.with(baselineDelay: .seconds(2), configure: { $0.responseTimeout = .milliseconds(300) }) { (h: GatewayHarness) async throws in
                let r = try await h.complete()
                #expect(r.status == 504)
                #expect(r.body.contains("timeout_first_token"))
                #expect(h.gateway.metrics.snapshot.errors[.baseline]?[.timeoutFirstToken] == 1)
            }
        }

        @Test("upstream HTTP errors pass through unchanged and are classified")
        func upstreamErrorsPassThrough() async throws {
            let collector = MemorySampleSink()
            try await GatewayHarness.with(sampleSink: collector) { (h: GatewayHarness) async throws in
                #expect(try await h.complete(query: "?code=429").status == 429)
                #expect(try await h.complete(query: "?code=500").status == 500)
                await h.gateway.flushSamples()
                let classes = await collector.samples.map(\.errorClass)
                #expect(classes == [.http429, .http5xx])
            }
        }

        @Test("malformed requests never take the gateway down")
        func badInput() async throws {
            try await GatewayHarness.with(configure: { $0.stickiness = Stickiness(userField: true) }) { (h: GatewayHarness) async throws in
                #expect(try await h.send("/echo", method: .POST, body: "{not json").status == 200)
                #expect(try await h.send("/admin/weights", method: .PUT, headers: [("authorization", "Bearer \(GatewayHarness.token)")], body: "{").status == 400)
                #expect(try await h.send("/health").status == 200)
            }
        }
    }
}
