import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The gateway's HTTP/1 listener on SwiftNIO: each accepted connection gets NIO's HTTP request
/// decoder and response encoder (for the gateway's own answers), an ``AnswerBytesWriter`` for
/// proxied answers, and a ``GatewayConnection`` bound to its event loop's ``UpstreamPool``.
///
/// It keeps the accepted connections so that ``shutDown(grace:)`` can stop gracefully: no new
/// connections, idle ones closed, answers in progress finished (up to the grace period).
final class GatewayServer: Sendable {
    private let channel: any Channel
    private let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    let pools: UpstreamPools

    /// The bound port.
    var port: Int { channel.localAddress?.port ?? 0 }
    /// Completes when the listener closes.
    var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    private init(channel: any Channel, connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>, pools: UpstreamPools) {
        self.channel = channel
        self.connections = connections
        self.pools = pools
    }

    static func bind(host: String, port: Int, proxy: Proxy, admin: AdminAPI, pools: UpstreamPools,
                     group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> GatewayServer {
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let key = ObjectIdentifier(channel)
                connections.withLockedValue { $0[key] = channel }
                channel.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: key) } }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // Proxied answers go out as bytes through the writer, next to the socket;
                    // NIO's encoder writes the gateway's own answers (their headers are the
                    // gateway's, so they are not validated again). GatewayConnection orders
                    // pipelined requests and answers malformed ones itself (see there why).
                    let writer = AnswerBytesWriter()
                    try sync.addHandler(writer)
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
                    try sync.addHandler(GatewayConnection(proxy: proxy, admin: admin, pool: pools.pool(for: channel.eventLoop), writer: writer))
                }
            }
            .bind(host: host, port: port)
            .get()
        return GatewayServer(channel: channel, connections: connections, pools: pools)
    }

    /// Stops accepting, asks every connection to close once its answer in progress is done (NIO's
    /// quiescing), waits up to `grace` for them, closes what is left, and closes the pooled
    /// upstream connections.
    func shutDown(grace: TimeAmount = .seconds(10)) async {
        try? await channel.close()
        for connection in connections.withLockedValue({ Array($0.values) }) {
            connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = NIODeadline.now() + grace
        while NIODeadline.now() < deadline, !connections.withLockedValue({ $0.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for connection in connections.withLockedValue({ Array($0.values) }) {
            try? await connection.close()
        }
        await pools.closeAll()
    }

    /// Closes the listener (``closeFuture`` completes).
    func close() { channel.close(promise: nil) }
}
