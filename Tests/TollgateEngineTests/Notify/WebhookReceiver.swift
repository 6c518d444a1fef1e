import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on 127.0.0.1 (port 0) that records every POST and answers with the next
/// status of `statuses` (the last one repeated) and `body`: a webhook receiver for notification
/// tests, and a `/metrics` page for qualification tests.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var authorization: String?
        var body: Data
    }

    let port: Int
    private let channel: any Channel
    private let state: NIOLockedValueBox<(received: [Received], statuses: [Int])>

    private init(port: Int, channel: any Channel, state: NIOLockedValueBox<(received: [Received], statuses: [Int])>) {
        self.port = port
        self.channel = channel
        self.state = state
    }

    var received: [Received] { state.withLockedValue { $0.received } }
    var url: String { "http://127.0.0.1:\(port)/hooks/tollgate" }

    static func start(statuses: [Int] = [200], body: String = "{}", contentType: String = "application/json") async throws -> WebhookReceiver {
        let state = NIOLockedValueBox<(received: [Received], statuses: [Int])>((received: [], statuses: statuses))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(state: state, answer: body, contentType: contentType))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return WebhookReceiver(port: channel.localAddress?.port ?? 0, channel: channel, state: state)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: NIOLockedValueBox<(received: [Received], statuses: [Int])>
        let answer: String
        let contentType: String
        var head: HTTPRequestHead?
        var body = Data()

        init(state: NIOLockedValueBox<(received: [Received], statuses: [Int])>, answer: String, contentType: String) {
            self.state = state
            self.answer = answer
            self.contentType = contentType
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = Data()
            case .body(var buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                let status = state.withLockedValue { s -> Int in
                    s.received.append(Received(path: head?.uri ?? "", authorization: head?.headers.first(name: "authorization"), body: body))
                    return s.statuses.count > 1 ? s.statuses.removeFirst() : (s.statuses.first ?? 200)
                }
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: contentType)
                headers.add(name: "content-length", value: String(answer.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
