import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateEngine
@testable import TollgateServer

extension GatewayTests {
    @Suite("Gateway admin API")
    struct AdminAPITests {
        @Test("the admin API answers 401 without a token or with a wrong one")
        func authRequired() async throws {
            try await GatewayHarness.with { h in
                #expect(try await h.send("/admin/weights").status == 401)
                #expect(try await h.send("/admin/weights", headers: [("authorization", "Bearer wrong")]).status == 401)
                #expect(try await h.send("/admin/stats", headers: [("authorization", "Bearer \(GatewayHarness.token)x")]).status == 401)
                #expect(try await h.send("/admin/weights", method: .PUT, body: #"{"candidate":50}"#).status == 401)
                #expect(h.gateway.weights.candidate == 0)
                let ok = try await h.send("/admin/weights", headers: [("authorization", "Bearer \(GatewayHarness.token)")])
                #expect(ok.status == 200)
                #expect(ok.body == #"{"baseline":100,"candidate":0,"mirror":0}"#)
            }
        }

        @Test("without a configured token the admin API is off")
        func adminOff() async throws {
            try await GatewayHarness.with(configure: { $0.adminToken = nil }) { (h: GatewayHarness) async throws in
                #expect(try await h.send("/admin/weights", headers: [("authorization", "Bearer anything")]).status == 403)
                #expect(try await h.send("/health").status == 200)
            }
        }

        @Test("PUT /admin/weights changes the split and rejects values outside 0 to 100")
        func putWeights() async throws {
            try await GatewayHarness.with { h in
                let auth = [("authorization", "Bearer \(GatewayHarness.token)")]
                let r = try await h.send("/admin/weights", method: .PUT, headers: auth, body: #"{"candidate":100,"mirror":10}"#)
                #expect(r.body == #"{"baseline":0,"candidate":100,"mirror":10}"#)
                #expect(try await h.send("/x").headers.first(name: "x-upstream") == "candidate")
                #expect(try await h.send("/admin/weights", method: .PUT, headers: auth, body: #"{"candidate":101}"#).status == 400)
                #expect(try await h.send("/admin/weights", method: .PUT, headers: auth, body: #"{}"#).status == 400)
                let stats = try await h.send("/admin/stats", headers: auth)
                #expect(stats.status == 200)
                #expect(stats.body.contains(#""candidate":{"errors":{},"inFlight":0,"#))
            }
        }

        @Test("the gateway router sets and reads the weight over HTTP, idempotently")
        func gatewayRouter() async throws {
            try await GatewayHarness.with { h in
                let router = GatewayRouter(adminURL: h.running.baseURL, token: GatewayHarness.token, client: h.client)
                for weight in [5, 25, 25, 100, 0] {
                    let receipt = try await router.setWeight(weight)
                    #expect(receipt.candidatePercent == weight)
                    #expect(try await router.currentWeight() == weight)
                    #expect(h.gateway.weights.candidate == weight)
                }
                await #expect(throws: RouterError.weightOutOfRange(101)) { try await router.setWeight(101) }
                let wrong = GatewayRouter(adminURL: h.running.baseURL, token: "nope", client: h.client)
                await #expect(throws: RouterError.unauthorized(target: h.running.baseURL)) { try await wrong.setWeight(5) }
                // The in-process router does the same without HTTP.
                _ = try await h.gateway.router.setWeight(40)
                #expect(try await router.currentWeight() == 40)
            }
        }
    }
}
