import NIOCore
import NIOHTTP1
import TollgateCore

/// The handler of one client connection: serves the gateway's own paths (`/health`, `/metrics`,
/// `/admin/...`) and proxies everything else as an ``Exchange``, one request at a time. It also
/// holds the connection's reads while the upstream cannot take more of a request body.
///
/// Pipelined requests (a head that arrives while the request before is still being answered)
/// wait here, with reads paused, until that answer is done. NIO's `HTTPServerPipelineHandler`
/// would do the same but pauses and resumes reads around every request, two `epoll_ctl` system
/// calls per request that a proxy cannot afford; this handler pauses only when a request is
/// actually pipelined. It also quiesces itself (``ChannelShouldQuiesceEvent``): an idle
/// connection closes at once, a busy one after its answer.
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
    /// Whether the client's bytes are being delivered (between the first `channelRead` of a
    /// read and its `channelReadComplete`).
    private var reading = false
    /// The upstream connection written to during this read, flushed when the read completes.
    private var upstreamToFlush: UpstreamConnection?
    /// Parts of pipelined requests, in order, waiting for the answer in progress to finish.
    private var pipelined = CircularBuffer<HTTPServerRequestPart>()
    private var drainingPipelined = false
    /// The server is shutting down: no more requests on this connection.
    private var quiescing = false
    /// The connection closes once the answer written last has left.
    private var closeScheduled = false
    /// The one timer of the connection, for the timeouts of its exchanges: set once for the
    /// first deadline and moved on only when it goes off, so keep-alive requests that finish in
    /// time schedule and cancel no timer each.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

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
        reading = true
        let part = unwrapInboundIn(data)
        if !pipelined.isEmpty || isBusy(for: part) {
            guard !quiescing else { return }
            pipelined.append(part)
            pauseReads()
            return
        }
        handle(part)
    }

    /// Whether `part` starts a request while the one before is still being answered.
    private func isBusy(for part: HTTPServerRequestPart) -> Bool {
        guard case .head = part, case .proxying = state else { return false }
        return true
    }

    private func handle(_ part: HTTPServerRequestPart) {
        switch part {
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
            case .discarding:
                state = .idle
                closeIfQuiescing()
            case .idle: break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
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
        timer?.cancel()
        timer = nil
        if case .proxying(let exchange) = state { exchange.clientClosed() }
        if case .admin(let collecting) = state { collecting.timer?.cancel() }
        state = .idle
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        pipelined.removeAll()
        if case .idle = state {
            context.close(promise: nil)
        } else {
            keepAlive = false
        }
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

    /// Sends what was written to `upstream`: at the end of the current read when one is being
    /// delivered (so a request whose head, body and end arrive together goes up in one write),
    /// else now.
    func flushUpstream(_ upstream: UpstreamConnection) {
        guard reading else {
            upstream.flush()
            return
        }
        if let pending = upstreamToFlush, pending !== upstream { pending.flush() }
        upstreamToFlush = upstream
    }

    func resumeReads() {
        guard readsPaused else { return }
        readsPaused = false
        if readPending {
            readPending = false
            context?.read()
        }
    }

    // MARK: Timeouts

    /// Wakes the current exchange (``Exchange/timerFired()``) at `deadline` or earlier: a timer
    /// already due before it stays, and the exchange sets the next one when it goes off.
    func wakeUp(at deadline: NIODeadline) {
        if timer != nil, let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.timerDeadline = nil
            if case .proxying(let exchange) = self.state { exchange.timerFired() }
        }
    }

    // MARK: Routing a request

    private func begin(_ head: HTTPRequestHead) {
        // HTTP/1.0 answers of unknown length end with the connection: keep 1.0 connections for one request.
        keepAlive = head.isKeepAlive && head.version.minor >= 1 && !quiescing
        version = head.version
        let path = InferencePath.path(ofURI: head.uri)
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
        if HopByHopHeaders.expectsContinue(head.headers) {
            context?.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        let exchange = Exchange(owner: self, proxy: proxy, pool: pool, head: head, path: path, clientAddress: clientAddress)
        state = .proxying(exchange)
        exchange.start()
    }

    /// The current exchange finished both ways: the connection is free for the next request.
    func exchangeDone(_ exchange: Exchange) {
        guard case .proxying(let current) = state, current === exchange else { return }
        state = .idle
        closeIfQuiescing()
        servePipelined()
        if pipelined.isEmpty { resumeReads() }
    }

    /// Closes a connection that is shutting down and became idle with its last answer written as
    /// keep-alive (the shutdown began after that answer had gone out).
    private func closeIfQuiescing() {
        guard quiescing, !closeScheduled else { return }
        closeScheduled = true
        context?.close(promise: nil)
    }

    /// Hands the waiting pipelined parts on, in order, up to the next head that has to wait
    /// again. A connection that closes after its answer serves nothing more.
    private func servePipelined() {
        guard !drainingPipelined else { return }
        drainingPipelined = true
        defer { drainingPipelined = false }
        while let part = pipelined.first {
            guard keepAlive else {
                pipelined.removeAll()
                return
            }
            if isBusy(for: part) { return }
            handle(pipelined.removeFirst())
        }
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
            closeScheduled = true
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            written.futureResult.assumeIsolated().whenComplete { [weak self] _ in self?.context?.close(promise: nil) }
        }
    }

    /// The answer cannot be completed (the upstream broke off): the client sees the connection end.
    func abortResponse() {
        keepAlive = false
        closeScheduled = true
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
