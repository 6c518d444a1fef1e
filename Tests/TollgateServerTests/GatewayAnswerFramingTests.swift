import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import TollgateCore
import TollgateTestSupport
import TollgateTraffic
@testable import TollgateServer

/// An upstream that answers every request (a head without a body) with bytes a test wrote,
/// written in the given pieces, optionally closing the connection after them: for answers a
/// web framework would not send (a body delimited by the close, junk, broken chunks).
final class ScriptedUpstream: Sendable {
    /// One answer: its pieces (each written and flushed on its own) and whether the connection closes after it.
    struct Answer: Sendable {
        var pieces: [String]
        var close = false
    }

    private let channel: any Channel
    private let served: NIOLockedValueBox<Int>
    var url: String { "http://127.0.0.1:\(channel.localAddress!.port!)" }
    /// Requests answered so far.
    var requests: Int { served.withLockedValue { $0 } }

    private init(channel: any Channel, served: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.served = served
    }

    static func start(_ answer: @escaping @Sendable (Int) -> Answer) async throws -> ScriptedUpstream {
        let served = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(answer: answer, served: served))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedUpstream(channel: channel, served: served)
    }

    func stop() async { try? await channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answer: @Sendable (Int) -> Answer
        let served: NIOLockedValueBox<Int>
        var received: [UInt8] = []

        init(answer: @escaping @Sendable (Int) -> Answer, served: NIOLockedValueBox<Int>) {
            self.answer = answer
            self.served = served
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += Array(unwrapInboundIn(data).readableBytesView)
            let end = Array("\r\n\r\n".utf8)
            while let at = received.indices.dropLast(3).first(where: { received[$0..<$0 + 4].elementsEqual(end) }) {
                received.removeFirst(at + 4)
                let index = served.withLockedValue { count -> Int in
                    count += 1
                    return count - 1
                }
                let reply = answer(index)
                for piece in reply.pieces {
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: piece)), promise: nil)
                }
                if reply.close {
                    context.close(promise: nil)
                    return
                }
            }
        }
    }
}

extension GatewayTests {
    /// Answers framed in every way HTTP/1 allows (and broken ones), through the gateway's own
    /// reading of upstream answers: what the client gets, on keep-alive and HTTP/1.0 connections,
    /// and what is measured.
    @Suite("Gateway answer framing")
    struct GatewayAnswerFramingTests {
        static func withGateway(
            _ upstream: ScriptedUpstream, sink: (any SampleSink)? = nil, _ body: (RunningGateway, HTTPClient) async throws -> Void
        ) async throws {
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            var running: RunningGateway?
            do {
                let gateway = try Gateway(configuration: GatewayConfiguration(
                    baseline: try Upstream(url: upstream.url), candidate: try Upstream(url: upstream.url)), sampleSink: sink)
                running = try await gateway.start()
                try await body(running!, client)
            } catch {
                await running?.stop()
                try? await client.shutdown()
                await upstream.stop()
                throw error
            }
            await running?.stop()
            try await client.shutdown()
            await upstream.stop()
        }

        static func get(_ client: HTTPClient, _ url: String, method: HTTPMethod = .GET) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
            var request = HTTPClientRequest(url: url)
            request.method = method
            if method == .POST {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: #"{"model":"m","messages":[]}"#))
            }
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), response.headers, String(buffer: body))
        }

        @Test("a body the upstream ends by closing reaches a keep-alive client chunked, and the client connection stays usable")
        func untilClose() async throws {
            let upstream = try await ScriptedUpstream.start { index in
                .init(pieces: ["HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n", "answer \(index), ", "all of it"], close: true)
            }
            try await Self.withGateway(upstream) { running, client in
                for index in 0..<3 {
                    let answer = try await Self.get(client, running.baseURL + "/x")
                    #expect(answer.status == 200)
                    #expect(answer.body == "answer \(index), all of it")
                    #expect(answer.headers.first(name: "transfer-encoding") == "chunked")
                    #expect(answer.headers.first(name: "x-tollgate-arm") == "baseline")
                }
                #expect(upstream.requests == 3)
            }
        }

        @Test("an HTTP/1.0 client gets a chunked answer's content, delimited by the close")
        func oldClient() async throws {
            let upstream = try await ScriptedUpstream.start { index in
                index == 0
                    ? .init(pieces: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-kept: yes\r\n\r\n5\r\nhello", "\r\n6\r\n world\r\n0\r\n\r\n"])
                    : .init(pieces: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-kept: yes\r\n\r\n"])
            }
            try await Self.withGateway(upstream) { running, _ in
                let answer = try #require(await loopbackExchange(port: running.port, request: "GET /x HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", timeout: 5))
                let parts = answer.components(separatedBy: "\r\n\r\n")
                #expect(parts.count == 2 && parts.last == "hello world", "\(answer)")
                let head = parts[0].lowercased()
                #expect(head.hasPrefix("http/1.0 200 ok\r\n"), "\(answer)")
                #expect(!head.contains("transfer-encoding") && head.contains("x-kept: yes") && head.contains("connection: close"), "\(answer)")
                // HEAD: the upstream's chunked framing is not announced to a client that cannot take it.
                let headAnswer = try #require(await loopbackExchange(port: running.port, request: "HEAD /x HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", timeout: 5))
                #expect(headAnswer.hasPrefix("HTTP/1.0 200 OK\r\n") && headAnswer.hasSuffix("\r\n\r\n"), "\(headAnswer)")
                #expect(!headAnswer.lowercased().contains("transfer-encoding") && headAnswer.contains("x-kept: yes"), "\(headAnswer)")
            }
        }

        @Test("chunks pass through as the upstream framed them, extensions and trailers included")
        func chunksAsSent() async throws {
            let body = "5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nx-trailer: t\r\n\r\n"
            let upstream = try await ScriptedUpstream.start { _ in
                .init(pieces: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: x-secret\r\nx-secret: 1\r\nx-tollgate-arm: forged\r\n\r\n" + body])
            }
            try await Self.withGateway(upstream) { running, _ in
                let answer = try #require(await loopbackExchange(port: running.port, request: "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", timeout: 5))
                #expect(answer.hasSuffix("\r\n\r\n" + body), "\(answer)")
                let head = answer.components(separatedBy: "\r\n\r\n")[0].lowercased()
                #expect(head.contains("transfer-encoding: chunked") && head.contains("connection: close"), "\(answer)")
                #expect(!head.contains("x-secret") && head.contains("x-tollgate-arm: baseline") && !head.contains("forged"), "\(answer)")
            }
        }

        @Test("an answer that is not HTTP/1 is a 502 classified malformed, with what was wrong")
        func junk() async throws {
            let upstream = try await ScriptedUpstream.start { _ in .init(pieces: ["SSH-2.0-OpenSSH_9.2\r\n\r\n"], close: true) }
            let sink = MemorySampleSink()
            try await Self.withGateway(upstream, sink: sink) { running, client in
                let answer = try await Self.get(client, running.baseURL + "/v1/chat/completions", method: .POST)
                #expect(answer.status == 502)
                #expect(answer.body.contains("\"code\":\"malformed\"") && answer.body.contains("not HTTP/1") && answer.body.contains("SSH-2.0"), "\(answer.body)")
                #expect(await eventually { await sink.samples.count == 1 })
                let sample = try #require(await sink.samples.first)
                #expect(sample.errorClass == .malformed && sample.httpStatus == 502)
            }
        }

        @Test("broken chunk framing in the middle of a stream cuts the client's answer and is measured malformed")
        func brokenChunks() async throws {
            let event = #"data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}"# + "\n\n"
            let upstream = try await ScriptedUpstream.start { _ in
                .init(pieces: ["HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
                               String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n", "not-hex\r\n"])
            }
            let sink = MemorySampleSink()
            try await Self.withGateway(upstream, sink: sink) { running, client in
                var request = HTTPClientRequest(url: running.baseURL + "/v1/chat/completions")
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: #"{"model":"m","messages":[],"stream":true}"#))
                let response = try await client.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 200)
                var received = ""
                do {
                    for try await piece in response.body { received += String(buffer: piece) }
                    Issue.record("the answer ended as if complete: \(received)")
                } catch {}
                #expect(received.contains("hi"))
                #expect(await eventually { await sink.samples.count == 1 })
                let sample = try #require(await sink.samples.first)
                #expect(sample.errorClass == .malformed, "\(sample)")
                #expect(sample.errorMessage?.contains("chunk size that is not hexadecimal") == true, "\(String(describing: sample.errorMessage))")
                #expect(sample.ttftMs != nil)
            }
        }

        @Test("a length-delimited answer cut short is a stream cut; the next request gets a fresh connection")
        func cutShort() async throws {
            let upstream = try await ScriptedUpstream.start { index in
                index == 0
                    ? .init(pieces: ["HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"partial"], close: true)
                    : .init(pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"])
            }
            let sink = MemorySampleSink()
            try await Self.withGateway(upstream, sink: sink) { running, client in
                await #expect(throws: (any Error).self) { _ = try await Self.get(client, running.baseURL + "/v1/chat/completions", method: .POST) }
                #expect(await eventually { await sink.samples.count == 1 })
                #expect(await sink.samples.first?.errorClass == .streamCut)
                let next = try await Self.get(client, running.baseURL + "/x")
                #expect(next.status == 200 && next.body == "ok")
            }
        }

        @Test("answers to HEAD, 204 and 304 end at their head, and the connection carries the next request")
        func bodiless() async throws {
            let upstream = try await ScriptedUpstream.start { index in
                switch index % 3 {
                case 0: .init(pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n"])
                case 1: .init(pieces: ["HTTP/1.1 204 No Content\r\n\r\n"])
                default: .init(pieces: ["HTTP/1.1 304 Not Modified\r\ncontent-length: 7\r\n\r\n"])
                }
            }
            try await Self.withGateway(upstream) { running, client in
                let head = try await Self.get(client, running.baseURL + "/x", method: .HEAD)
                #expect(head.status == 200 && head.body.isEmpty && head.headers.first(name: "content-length") == "1000")
                let noContent = try await Self.get(client, running.baseURL + "/x")
                #expect(noContent.status == 204 && noContent.body.isEmpty)
                let notModified = try await Self.get(client, running.baseURL + "/x")
                #expect(notModified.status == 304 && notModified.body.isEmpty)
                #expect(upstream.requests == 3)
            }
        }

        @Test("a request the gateway cannot read gets 400 and the connection closes; the gateway serves on")
        func malformedRequest() async throws {
            let upstream = try await ScriptedUpstream.start { _ in .init(pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]) }
            try await Self.withGateway(upstream) { running, client in
                let bad = try #require(await loopbackExchange(port: running.port, request: "GET /x HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", timeout: 5))
                #expect(bad.hasPrefix("HTTP/1.1 400 Bad Request\r\n") && bad.contains("bad_request") && bad.lowercased().contains("connection: close"), "\(bad)")
                // A good request, then a broken one on the same connection: the first is answered whole.
                let pipelined = try #require(await loopbackExchange(port: running.port, request: "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /x HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", timeout: 5))
                #expect(pipelined.hasPrefix("HTTP/1.1 200 OK\r\n") && pipelined.hasSuffix("\r\n\r\nok"), "\(pipelined)")
                #expect(try await Self.get(client, running.baseURL + "/x").body == "ok")
            }
        }
    }
}
