import Foundation
import Testing
import TollgateTestSupport
@testable import TollgateServer

extension GatewayTests {
    /// The gateway orders pipelined requests itself (it does without NIO's pipelining handler,
    /// which paused and resumed reads around every request).
    @Suite("Gateway pipelining")
    struct GatewayPipeliningTests {
        @Test("requests sent back to back in one write are answered in order, each by its arm, and Connection: close ends it")
        func pipelinedRequestsAnswerInOrder() async throws {
            try await GatewayHarness.with { h in
                func post(_ body: String) -> String {
                    "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                }
                let request = post("first-body") + post("second-body") + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    + post("third-body") + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                let answer = try #require(await loopbackExchange(port: h.running.port, request: request, timeout: 5))
                #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 5, "\(answer)")
                let order = ["first-body", "second-body", "{\"status\":\"ok\"}", "third-body"].map { answer.range(of: $0)?.lowerBound }
                #expect(order.allSatisfy { $0 != nil }, "\(answer)")
                let found = order.compactMap { $0 }
                #expect(found == found.sorted(), "answers out of order: \(answer)")
                #expect(answer.hasSuffix("{\"status\":\"ok\"}"), "the connection closed after the last answer: \(answer)")
            }
        }
    }
}
