import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on 127.0.0.1 (port 0) that answers every request with what `respond` returns
/// for its URI, and records each request's URI and authorization header: a stand-in for Prometheus'
/// query API where a test needs an answer the real server cannot be made to give (a 401, a 503, junk).
final class CannedHTTPServer: Sendable {
    struct Request: Sendable {
        var uri: String
        var authorization: String?
    }

    let port: Int
    private let channel: any Channel
    private let requests: NIOLockedValueBox<[Request]>

    private init(port: Int, channel: any Channel, requests: NIOLockedValueBox<[Request]>) {
        self.port = port
        self.channel = channel
        self.requests = requests
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var received: [Request] { requests.withLockedValue { $0 } }

    static func start(_ respond: @escaping @Sendable (String) -> (status: Int, body: String)) async throws -> CannedHTTPServer {
        let requests = NIOLockedValueBox<[Request]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(requests: requests, respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CannedHTTPServer(port: channel.localAddress?.port ?? 0, channel: channel, requests: requests)
    }

    /// A server that accepts every connection, reads what it is sent and never answers: a Prometheus
    /// that hangs (a stuck query, a proxy holding the connection).
    static func startSilent() async throws -> CannedHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        return CannedHTTPServer(port: channel.localAddress?.port ?? 0, channel: channel, requests: NIOLockedValueBox([]))
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let requests: NIOLockedValueBox<[Request]>
        let respond: @Sendable (String) -> (status: Int, body: String)
        var head: HTTPRequestHead?

        init(requests: NIOLockedValueBox<[Request]>, respond: @escaping @Sendable (String) -> (status: Int, body: String)) {
            self.requests = requests
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
            case .body:
                break
            case .end:
                let uri = head?.uri ?? ""
                requests.withLockedValue { $0.append(Request(uri: uri, authorization: head?.headers.first(name: "authorization"))) }
                let (status, body) = respond(uri)
                let bytes = ByteBuffer(string: body)
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "application/json")
                headers.add(name: "content-length", value: String(bytes.readableBytes))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
