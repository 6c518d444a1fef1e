import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Where the gateway's HTTP/1 client connects for one arm: host, port, TLS, and what goes into
/// the request head (the `Host` header, the path prefix).
struct UpstreamTarget: Sendable {
    /// 0 for the baseline, 1 for the candidate: the slot of this target in each ``UpstreamPool``.
    let slot: Int
    let upstream: Upstream
    let hostHeader: String
    let tls: NIOSSLContext?
    /// The socket address when the host is an IP address: connecting to it skips name
    /// resolution, which NIO runs on a serial queue per event loop and which would otherwise
    /// sit on the path of every new connection (a burst of new streams waits in that queue).
    let address: SocketAddress?

    init(slot: Int, upstream: Upstream) throws {
        self.slot = slot
        self.upstream = upstream
        let defaultPort = upstream.scheme == "https" ? 443 : 80
        let host = upstream.host.contains(":") ? "[\(upstream.host)]" : upstream.host
        hostHeader = upstream.port == defaultPort ? host : "\(host):\(upstream.port)"
        tls = upstream.scheme == "https" ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        address = try? SocketAddress(ipAddress: upstream.host, port: upstream.port)
    }
}

/// What an upstream connection reports to the exchange currently using it. Called on the
/// connection's event loop, which is the client connection's too.
protocol UpstreamResponseDelegate: AnyObject {
    func upstreamHead(_ head: UpstreamAnswerHead)
    /// Body bytes of a length- or close-delimited body (as sent, and content).
    func upstreamBody(_ buffer: ByteBuffer)
    /// Content of a chunked body, framing removed.
    func upstreamChunkContent(_ buffer: ByteBuffer)
    /// A chunked body's bytes as sent, framing included.
    func upstreamChunkedBytes(_ buffer: ByteBuffer)
    func upstreamEnd()
    func upstreamReadComplete()
    /// The connection failed or closed before the response ended.
    func upstreamFailed(_ error: any Error)
    func upstreamWritabilityChanged(_ writable: Bool)
}

/// The upstream closed the connection before its answer was complete.
struct UpstreamClosed: Error {}

/// One keep-alive HTTP/1 connection to an upstream: the last handler of its pipeline (after TLS,
/// when the upstream is `https`). Requests go out as the bytes the exchange wrote; answers are
/// read from their bytes by an ``UpstreamAnswerParser`` and handed, as the parser's events, to
/// the exchange that holds the connection. It belongs to one event loop and is only touched
/// there (the `@unchecked Sendable` lets it be named in futures of that loop).
final class UpstreamConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let slot: Int
    private(set) var context: ChannelHandlerContext?
    weak var delegate: (any UpstreamResponseDelegate)?
    /// Set by the pool while the connection waits idle; cleared when it is handed out.
    var isIdle = false
    var onClose: ((UpstreamConnection) -> Void)?
    private var parser = UpstreamAnswerParser()
    /// The events of one read, dispatched after the parser is done with the bytes (a delegate
    /// may write the next request on this connection while handling the end of an answer).
    private var events: [UpstreamAnswerParser.Event] = []
    /// False once the upstream sent bytes no request asked for: the connection is not reused.
    private(set) var isReusable = true

    init(slot: Int) { self.slot = slot }

    var channel: (any Channel)? { context?.channel }
    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Writes a request's head (its bytes, empty line included): the answer read next is its.
    func writeRequestHead(_ head: ByteBuffer, toHEAD: Bool) {
        parser.expectAnswer(toHEAD: toHEAD)
        write(head)
    }

    /// Writes bytes of a request's body (framed by the caller).
    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func flush() { context?.flush() }

    /// Whether the channel reads on its own (turned off while the client cannot take more).
    private var autoRead = true

    func setAutoRead(_ on: Bool) {
        guard on != autoRead, let channel = context?.channel else { return }
        autoRead = on
        try? channel.syncOptions?.setOption(.autoRead, value: on)
    }

    func close() {
        delegate = nil
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        var failure: (any Error)?
        do {
            if try parser.parse(&buffer, into: &events) { isReusable = false }
        } catch {
            isReusable = false
            failure = error
        }
        for event in events {
            switch event {
            case .head(let head): delegate?.upstreamHead(head)
            case .body(let body): delegate?.upstreamBody(body)
            case .chunkContent(let content): delegate?.upstreamChunkContent(content)
            case .chunkedBytes(let bytes): delegate?.upstreamChunkedBytes(bytes)
            case .end:
                let delegate = self.delegate
                self.delegate = nil
                delegate?.upstreamEnd()
            }
        }
        // Emptied now, not at the next read: the slices would keep this read's buffer alive.
        events.removeAll(keepingCapacity: true)
        if let failure {
            let delegate = self.delegate
            self.delegate = nil
            delegate?.upstreamFailed(failure)
            context.close(promise: nil)
        } else if !isReusable, isIdle || delegate == nil {
            // Bytes nobody asked for: the upstream and this connection disagree on where answers end.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(context.channel.isWritable)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isReusable = false
        let delegate = self.delegate
        self.delegate = nil
        if parser.closed() {
            // A body delimited by the close is complete now.
            delegate?.upstreamEnd()
        } else {
            delegate?.upstreamFailed(UpstreamClosed())
        }
        onClose?(self)
        onClose = nil
    }
}

/// The upstream connections of one event loop: idle keep-alive connections per arm, reused by
/// the client connections served on the same loop, so a proxied request never changes threads.
/// Only touched on its event loop.
final class UpstreamPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let targets: [UpstreamTarget]
    private let connectTimeout: TimeAmount
    private let maxIdle: Int
    private var idle: [[UpstreamConnection]]
    private var closed = false

    init(eventLoop: any EventLoop, targets: [UpstreamTarget], connectTimeout: TimeAmount, maxIdle: Int) {
        self.eventLoop = eventLoop
        self.targets = targets
        self.connectTimeout = connectTimeout
        self.maxIdle = maxIdle
        idle = targets.map { _ in [] }
    }

    /// An idle connection to `slot`'s upstream, or `nil` when a new one must be opened.
    func takeIdle(_ slot: Int) -> UpstreamConnection? {
        while let connection = idle[slot].popLast() {
            connection.isIdle = false
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Opens a new connection to `slot`'s upstream on this loop.
    func connect(_ slot: Int) -> EventLoopFuture<UpstreamConnection> {
        let target = targets[slot]
        let handler = UpstreamConnection(slot: slot)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls = target.tls {
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: target.upstream.host))
                    }
                    // No HTTP codec: the exchange writes requests as bytes (headers the
                    // client's, already checked by NIO's decoder, and keys that
                    // GatewayConfiguration.validate() checked), and the connection reads
                    // answers from their bytes (UpstreamAnswerParser).
                    try sync.addHandler(handler)
                }
            }
        let connected = if let address = target.address {
            bootstrap.connect(to: address)
        } else {
            bootstrap.connect(host: target.upstream.host, port: target.upstream.port)
        }
        return connected.map { _ in handler }
    }

    /// Gives a connection whose last exchange ended cleanly back for reuse.
    func release(_ connection: UpstreamConnection) {
        guard !closed, connection.isActive, connection.isReusable, idle[connection.slot].count < maxIdle else {
            connection.close()
            return
        }
        connection.delegate = nil
        connection.isIdle = true
        connection.setAutoRead(true)
        connection.onClose = { [weak self] closing in
            guard let self, closing.isIdle else { return }
            self.idle[closing.slot].removeAll { $0 === closing }
        }
        idle[connection.slot].append(connection)
    }

    func target(_ slot: Int) -> UpstreamTarget { targets[slot] }

    /// Closes every idle connection and stops keeping new ones.
    func closeAll() {
        closed = true
        let all = idle.flatMap { $0 }
        idle = targets.map { _ in [] }
        for connection in all { connection.close() }
    }
}

/// One ``UpstreamPool`` per event loop of the group the gateway serves on.
final class UpstreamPools: Sendable {
    private let pools: NIOLockedValueBox<[ObjectIdentifier: UpstreamPool]> = .init([:])
    private let targets: [UpstreamTarget]
    private let connectTimeout: TimeAmount
    private let maxIdle: Int

    init(targets: [UpstreamTarget], connectTimeout: TimeAmount, maxIdle: Int) {
        self.targets = targets
        self.connectTimeout = connectTimeout
        self.maxIdle = maxIdle
    }

    /// The pool of `eventLoop` (made on first use; looked up once per client connection).
    func pool(for eventLoop: any EventLoop) -> UpstreamPool {
        pools.withLockedValue { pools in
            if let pool = pools[ObjectIdentifier(eventLoop)] { return pool }
            let pool = UpstreamPool(eventLoop: eventLoop, targets: targets, connectTimeout: connectTimeout, maxIdle: maxIdle)
            pools[ObjectIdentifier(eventLoop)] = pool
            return pool
        }
    }

    /// Closes every pool's idle connections, each on its own loop.
    func closeAll() async {
        let all = pools.withLockedValue { Array($0.values) }
        for pool in all {
            try? await pool.eventLoop.submit { pool.closeAll() }.get()
        }
    }
}
