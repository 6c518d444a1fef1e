import Foundation
import NIOHTTP1
import Testing
import TollgateTestSupport
@testable import TollgateServer

/// Oversized bodies are refused on the request head, with the documented JSON error, by both
/// `tollgate serve` and the gateway's admin API; the admin API takes weights by PUT only.
@Suite struct BodyLimitTests {
    /// A head announcing a body far beyond the limit, and no body: the answer must come at once.
    static func oversizedHead(_ method: String, _ path: String, port: Int, token: String) async -> String? {
        await loopbackExchange(port: port, request: "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n", timeout: 5)
    }

    @Test(.timeLimit(.minutes(1)))
    func serveAnswers413AtOnceWithAJSONErrorForAnOversizedContentLength() async throws {
        let h = try await ServiceHarness(supervise: false, maxBodyBytes: 4096)
        do {
            let answer = try #require(await Self.oversizedHead("POST", "/v1/alerts", port: h.running.port, token: ServiceHarness.token),
                                      "no answer before the body (the service waited for 100 GB)")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.contains(#"{"error":{"code":"too_large","message":"The request body is larger than the service accepts (4096 bytes)."}}"#), "\(answer)")
            // A body that is too large without announcing it is refused with the same JSON error.
            let huge = #"{"labels":{"alertname":"\#(String(repeating: "x", count: 10_000))"}}"#
            let reply = try await h.request(.POST, "/v1/alerts", body: huge)
            #expect(reply.status == 413)
            #expect(reply.body.contains(#""code":"too_large""#), "413 with an empty body: \(reply.body)")
        } catch { Issue.record(error) }
        await h.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func theGatewayAdminAPIRefusesOversizedBodiesAndPOST() async throws {
        try await GatewayHarness.with { h in
            let auth = [("authorization", "Bearer \(GatewayHarness.token)")]
            let answer = try #require(await Self.oversizedHead("PUT", "/admin/weights", port: h.running.port, token: GatewayHarness.token),
                                      "no answer before the body")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.contains(#""code":"too_large""#), "\(answer)")
            let padded = #"{"candidate":50,"pad":"\#(String(repeating: "x", count: 1 << 20))"}"#
            #expect(try await h.send("/admin/weights", method: .PUT, headers: auth, body: padded).status == 413)
            let post = try await h.send("/admin/weights", method: .POST, headers: auth, body: #"{"candidate":50}"#)
            #expect(post.status == 405, "\(post.body)")
            #expect(post.headers.first(name: "allow") == "GET, PUT")
            #expect(h.gateway.weights.candidate == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theGatewayAdminAPIGivesUpOnABodyThatDoesNotArrive() async throws {
        try await GatewayHarness.with(configure: { $0.adminReadTimeout = .milliseconds(500) }) { h in
            // A head that announces 16 bytes, which never come: a slow client holding the connection.
            let answer = try #require(await loopbackExchange(port: h.running.port, request: "PUT /admin/weights HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer \(GatewayHarness.token)\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n", timeout: 5),
                                      "the admin API waited for the body for ever")
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains(#""code":"timeout""#), "\(answer)")
            #expect(h.gateway.weights.candidate == 0)
        }
    }
}

/// Wrong tokens are counted in /metrics and logged at most once per interval.
@Suite struct AuthFailureTests {
    @Test func wrongTokensAreCountedInMetrics() async throws {
        let h = try await ServiceHarness(supervise: false)
        do {
            for i in 0..<30 {
                #expect(try await h.request(.GET, "/v1/runs", token: i.isMultiple(of: 2) ? "wrong" : nil).status == 401)
            }
            let metrics = try await h.request(.GET, "/metrics").body
            #expect(metrics.contains("tollgate_auth_failures_total 30"), "\(metrics)")
        } catch { Issue.record(error) }
        await h.stop()
    }

    @Test func refusalsAreLoggedOncePerIntervalWithTheirCount() {
        let counters = ServiceCounters()
        let start = Date()
        #expect(counters.noteAuthFailure(now: start) == 1)
        for i in 1..<2000 {
            #expect(counters.noteAuthFailure(now: start.addingTimeInterval(Double(i) * 0.002)) == nil)
        }
        #expect(counters.noteAuthFailure(now: start.addingTimeInterval(ServiceCounters.authLogInterval)) == 2000)
        #expect(counters.snapshot.authFailures == 2001)
    }
}
