import NIOCore
import NIOHTTP1
import TollgateCore

/// The handler of one client connection: serves the gateway's own paths (`/health`, `/metrics`,
/// `/admin/...`) and proxies everything else as an ``Exchange``, one request at a time
/// (pipelined requests wait in NIO's `HTTPServerPipelineHandler` in front of it). It also holds
/// the connection's reads while the upstream cannot take more of a request body.
final class GatewayConnection: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// The request was answered already; the rest of its body is read and dropped.
        case discarding
        /// `PUT /admin/weights`: its body is being collected.
        case admin(AdminBody)
        case proxying(Exchange)
    }

    private struct AdminBody {
        var head: HTTPRequestHead
        var body = ByteBuffer()
        var tooLarge = false
        var timer: Scheduled<Void>?
    }

    private let proxy: Proxy
    private let admin: AdminAPI
    private let pool: UpstreamPool
    private var context: ChannelHandlerContext?
    private var clientAddress: String?
    private var state = State.idle
    /// Whether the current request's connection stays open after its answer.
    private var keepAlive = true
    private var version = HTTPVersion.http1_1
    private var readsPaused = false
    private var readPending = false
    /// The upstream connection written to during this read, flushed when the read completes.
    var upstreamToFlush: UpstreamConnection?

    init(proxy: Proxy, admin: AdminAPI, pool: UpstreamPool) {
        self.proxy = proxy
        self.admin = admin
        self.pool = pool
    }

    var eventLoop: any EventLoop { pool.eventLoop }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            begin(head)
        case .body(let buffer):
            switch state {
            case .proxying(let exchange): exchange.clientBody(buffer)
            case .admin(var collecting):
                if collecting.body.readableBytes + buffer.readableBytes > AdminAPI.maxBodyBytes {
                    collecting.tooLarge = true
                } else {
                    collecting.body.writeImmutableBuffer(buffer)
                }
                state = .admin(collecting)
            case .idle, .discarding: break
            }
        case .end:
            switch state {
            case .proxying(let exchange): exchange.clientEnd()
            case .admin(let collecting):
                collecting.timer?.cancel()
                state = .idle
                let reply = collecting.tooLarge
                    ? admin.badRequest("The body must be JSON like {\"candidate\": 25} or {\"mirror\": 10}.")
                    : admin.putWeights(body: collecting.body)
                send(reply)
            case .discarding: state = .idle
            case .idle: break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let upstream = upstreamToFlush {
            upstreamToFlush = nil
            upstream.flush()
        }
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .proxying(let exchange) = state { exchange.clientWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .proxying(let exchange) = state { exchange.clientClosed() }
        if case .admin(let collecting) = state { collecting.timer?.cancel() }
        state = .idle
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: Read back-pressure

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    func pauseReads() { readsPaused = true }

    func resumeReads() {
        guard readsPaused else { return }
        readsPaused = false
        if readPending {
            readPending = false
            context?.read()
        }
    }

    // MARK: Routing a request

    private func begin(_ head: HTTPRequestHead) {
        // HTTP/1.0 answers of unknown length end with the connection: keep 1.0 connections for one request.
        keepAlive = head.isKeepAlive && head.version.minor >= 1
        version = head.version
        let path = head.uri.prefix { $0 != "?" }
        if path == "/health" {
            send(AdminAPI.Reply(status: .ok, body: "{\"status\":\"ok\"}"))
            state = .discarding
            return
        }
        if path == "/metrics", head.method == .GET {
            let text = proxy.metrics.prometheusText(weights: proxy.split.weights, samples: proxy.samples?.counts)
            send(AdminAPI.Reply(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: text))
            state = .discarding
            return
        }
        if path == "/admin" || path.hasPrefix("/admin/") {
            if let reply = admin.answerBeforeBody(method: head.method, path: path, headers: head.headers) {
                state = .discarding
                send(reply)
                return
            }
            var collecting = AdminBody(head: head)
            let timeout = admin.readTimeout
            collecting.timer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
                guard let self, case .admin = self.state else { return }
                self.state = .discarding
                self.send(AdminAPI.Reply(status: .requestTimeout, body: UpstreamFailure.jsonBody(message: "The body of PUT /admin/weights did not arrive within \(DurationText.format(timeout)).", code: "timeout", arm: nil), close: true))
            }
            state = .admin(collecting)
            return
        }
        if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            context?.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        let exchange = Exchange(owner: self, proxy: proxy, pool: pool, head: head, path: path, clientAddress: clientAddress)
        state = .proxying(exchange)
        exchange.start()
    }

    /// The current exchange finished both ways: the connection is free for the next request.
    func exchangeDone(_ exchange: Exchange) {
        if case .proxying(let current) = state, current === exchange { state = .idle }
        resumeReads()
    }

    // MARK: Writing the answer

    func writeHead(status: HTTPResponseStatus, headers: HTTPHeaders) {
        var headers = headers
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context?.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
    }

    func writeBody(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    func flush() { context?.flush() }

    /// Ends the answer; closes the connection after it when the request asked for that.
    func writeEnd() {
        guard let context else { return }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            written.futureResult.assumeIsolated().whenComplete { [weak self] _ in self?.context?.close(promise: nil) }
        }
    }

    /// The answer cannot be completed (the upstream broke off): the client sees the connection end.
    func abortResponse() {
        keepAlive = false
        context?.flush()
        context?.close(promise: nil)
    }

    /// A JSON answer of the gateway's own (an error for the upstream, or 413).
    func answer(status: HTTPResponseStatus, json: String, arm: Arm?) {
        var reply = AdminAPI.Reply(status: status, body: json)
        if let arm { reply.headers.add(name: Proxy.armHeader, value: arm.rawValue) }
        send(reply)
    }

    private func send(_ reply: AdminAPI.Reply) {
        guard let context else { return }
        if reply.close { keepAlive = false }
        var headers = reply.headers
        headers.add(name: "content-type", value: reply.contentType)
        headers.add(name: "content-length", value: String(reply.body.utf8.count))
        writeHead(status: reply.status, headers: headers)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: reply.body)))), promise: nil)
        writeEnd()
    }
}
