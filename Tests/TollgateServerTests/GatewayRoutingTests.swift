import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
@testable import TollgateServer
import TollgateTestSupport

extension GatewayTests {
    @Suite("Gateway routing")
    struct GatewayRoutingTests {
        @Test("the observed split matches the weight within binomial bounds, and each answer names its arm")
        func weightedSplit() async throws {
            try await GatewayHarness.with(configure: { $0.candidatePercent = 30 }) { (h: GatewayHarness) async throws in
                let n = 1000
                let arms = try await withThrowingTaskGroup(of: (String?, String?).self) { group in
                    var all: [(String?, String?)] = []
                    for i in 0..<n {
                        if i >= 32, let pair = try await group.next() { all.append(pair) }
                        group.addTask {
                            let r = try await h.complete()
                            return (r.headers.first(name: "x-tollgate-arm"), r.headers.first(name: "x-upstream"))
                        }
                    }
                    for try await pair in group { all.append(pair) }
                    return all
                }
                #expect(arms.count == n)
                // The arm the gateway names is the upstream that answered.
                #expect(arms.allSatisfy { $0.0 != nil && $0.0 == $0.1 })
                let candidate = arms.filter { $0.0 == "candidate" }.count
                #expect(h.gateway.metrics.snapshot.requests[.candidate]?[200] == candidate)
                let sd = (Double(n) * 0.3 * 0.7).squareRoot()
                #expect(abs(Double(candidate) - Double(n) * 0.3) < 4.5 * sd, "candidate got \(candidate) of \(n)")
            }
        }

        @Test("weights 0 and 100 send everything to one arm")
        func extremeWeights() async throws {
            try await GatewayHarness.with { h in
                for _ in 0..<20 { #expect(try await h.send("/x").headers.first(name: "x-upstream") == "baseline") }
                try h.gateway.setWeights(candidate: 100)
                for _ in 0..<20 { #expect(try await h.send("/x").headers.first(name: "x-upstream") == "candidate") }
            }
        }

        @Test("a sticky header keeps each user on one arm across requests")
        func stickyHeader() async throws {
            try await GatewayHarness.with(configure: { $0.candidatePercent = 50; $0.stickiness = Stickiness(header: "x-user-id") }) { (h: GatewayHarness) async throws in
                var arms: [String: Set<String>] = [:]
                for round in 0..<4 {
                    for user in 0..<30 {
                        let r = try await h.send("/x", headers: [("x-user-id", "user-\(user)")])
                        arms["user-\(user)", default: []].insert(r.headers.first(name: "x-upstream") ?? "?")
                        _ = round
                    }
                }
                #expect(arms.values.allSatisfy { $0.count == 1 })
                // Both arms got some users.
                #expect(Set(arms.values.flatMap { $0 }) == ["baseline", "candidate"])
            }
        }

        @Test("stickiness by the body's user field routes by it and forwards the body intact")
        func stickyUserField() async throws {
            try await GatewayHarness.with(configure: { $0.candidatePercent = 50; $0.stickiness = Stickiness(userField: true, peekBytes: 1024) }) { (h: GatewayHarness) async throws in
                let padding = String(repeating: "a", count: 5000)
                for user in 0..<20 {
                    let body = #"{"user":"u\#(user)","messages":[{"role":"user","content":"\#(padding)"}]}"#
                    let expected = ArmSelector.choose(candidatePercent: 50, stickyKey: "u\(user)").rawValue
                    for _ in 0..<2 {
                        let r = try await h.send("/echo", method: .POST, headers: [("content-type", "application/json")], body: body)
                        #expect(r.status == 200)
                        #expect(r.body == body)
                        #expect(r.headers.first(name: "x-upstream") == expected)
                    }
                }
                #expect(h.gateway.metrics.snapshot.stickyMisses == 0)
            }
        }

        @Test("hop-by-hop headers are not forwarded; end-to-end headers are")
        func hopByHopHeaders() async throws {
            try await GatewayHarness.with { h in
                let r = try await h.send("/echo", method: .POST, headers: [
                    ("connection", "keep-alive, x-private"), ("x-private", "1"), ("keep-alive", "timeout=5"),
                    // A second Connection field, its names spaced, tabbed and in capitals.
                    ("Connection", " X-Other\t,,x-third "), ("x-other", "2"), ("X-Third", "3"),
                    ("proxy-authorization", "Basic abc"), ("te", "trailers"), ("x-end-to-end", "yes"), ("authorization", "Bearer client"),
                ], body: "hello")
                let seen = Set((r.headers.first(name: "x-seen-headers") ?? "").split(separator: ",").map(String.init))
                #expect(seen.contains("x-end-to-end"))
                #expect(seen.contains("authorization"))
                #expect(seen.contains("x-forwarded-for"))
                for hop in ["x-private", "x-other", "x-third", "keep-alive", "proxy-authorization", "te"] { #expect(!seen.contains(hop), "\(hop) was forwarded") }
                #expect(r.headers.first(name: "x-tollgate-arm") == "baseline")
                #expect(r.body == "hello")
            }
        }

        @Test("Expect: 100-continue gets 100 Continue before the answer, however the field is spelled")
        func expectContinue() async throws {
            try await GatewayHarness.with { h in
                for expect in ["Expect: 100-continue", "EXPECT:  100-Continue\t"] {
                    let request = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\(expect)\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
                    let answer = try #require(await loopbackExchange(port: h.running.port, request: request, timeout: 5))
                    #expect(answer.hasPrefix("HTTP/1.1 100 Continue\r\n"), "\(answer)")
                    #expect(answer.contains("HTTP/1.1 200 OK") && answer.hasSuffix("hello"), "\(answer)")
                }
                let plain = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
                let answer = try #require(await loopbackExchange(port: h.running.port, request: plain, timeout: 5))
                #expect(!answer.contains("100 Continue") && answer.hasPrefix("HTTP/1.1 200 OK"), "\(answer)")
            }
        }

        @Test("a body over the limit gets 413, whether it declares its length or streams chunked")
        func bodyLimit() async throws {
            try await GatewayHarness.with(configure: { $0.maxBodyBytes = 1000 }) { (h: GatewayHarness) async throws in
                let declared = try await h.send("/echo", method: .POST, body: String(repeating: "x", count: 1001))
                #expect(declared.status == 413)
                #expect(declared.body.contains("body_too_large"))
                #expect(try await h.send("/echo", method: .POST, body: String(repeating: "x", count: 1000)).status == 200)

                var request = HTTPClientRequest(url: h.running.baseURL + "/echo")
                request.method = .POST
                let chunks = (0..<10).map { _ in ByteBuffer(string: String(repeating: "y", count: 300)) }
                request.body = .stream(chunks.async, length: .unknown)
                let response = try await h.client.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 413)
                let snapshot = h.gateway.metrics.snapshot
                #expect(snapshot.rejected[413] == 2)
                // An oversized body is the client's fault: nothing is held against the arm.
                #expect(snapshot.errors[.baseline] == nil)
                #expect((snapshot.inFlight[.baseline] ?? 0) == 0)
            }
        }
    }
}

extension Array where Element: Sendable {
    /// The array as an async sequence (for streamed request bodies in tests).
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
