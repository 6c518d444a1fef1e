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
    /// Writes proxied answers' bytes below NIO's HTTP encoder.
    private let writer: AnswerBytesWriter
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

    init(proxy: Proxy, admin: AdminAPI, pool: UpstreamPool, writer: AnswerBytesWriter) {
        self.proxy = proxy
        self.admin = admin
        self.pool = pool
        self.writer = writer
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

    /// A request NIO's decoder cannot read gets `400` and the connection closes after it (as
    /// NIO's protocol-error handler would do, but knowing whether an answer is under way: a
    /// proxied answer goes past the encoder that handler watches). Other errors close the
    /// connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        pipelined.removeAll()
        keepAlive = false
        switch state {
        case .proxying(let exchange):
            // Broken in the middle of a request: it cannot be completed. After it (a pipelined
            // request): the answer in progress finishes, and the connection closes then.
            if !exchange.requestEnded {
                exchange.clientClosed()
                context.close(promise: nil)
            } else {
                pauseReads()
            }
        case .admin(let collecting):
            collecting.timer?.cancel()
            fallthrough
        case .idle, .discarding:
            state = .discarding
            send(AdminAPI.Reply(status: .badRequest, body: UpstreamFailure.jsonBody(
                message: "The request is not valid HTTP/1.1 (\(error)).", code: "bad_request", arm: nil), close: true))
        }
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
        let facts = RequestFacts(head.headers, stickyHeader: proxy.configuration.stickiness.header)
        if facts.expectsContinue {
            context?.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        let exchange = Exchange(owner: self, proxy: proxy, pool: pool, head: head, facts: facts, path: path, clientAddress: clientAddress)
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

    // MARK: Writing a proxied answer

    /// How an upstream answer's body with `framing` goes to this client: as the upstream sent
    /// it, or (to an HTTP/1.0 client, which cannot take chunks, and for a body delimited by the
    /// upstream's close, so that a keep-alive client can tell where it ends) re-framed.
    func forwarding(for framing: AnswerFraming) -> AnswerForwarding {
        switch framing {
        case .none, .length: return .asSent
        case .chunked: return version.minor >= 1 ? .asSent : .contentOnly
        case .untilClose: return version.minor >= 1 ? .chunkEncoded : .contentOnly
        }
    }

    /// Writes an upstream answer's head (``UpstreamAnswerHead/bytes`` and the gateway's header
    /// lines), ending it with `transfer-encoding: chunked` when `chunked` (never to an HTTP/1.0
    /// client, which cannot take it: its body is the content), `connection: close` when the
    /// connection ends after it, and the empty line. The head bytes are written below NIO's HTTP
    /// encoder (``AnswerBytesWriter``), as is the body that follows.
    func writeAnswerHead(_ head: inout ByteBuffer, chunked: Bool) {
        if chunked, version.minor >= 1 { head.writeStaticString("transfer-encoding: chunked\r\n") }
        if !keepAlive { head.writeStaticString("connection: close\r\n") }
        head.writeStaticString("\r\n")
        if version.minor == 0 { head.setInteger(UInt8(ascii: "0"), at: head.readerIndex + 7) }
        writer.write(head)
    }

    /// Body bytes of a proxied answer, written as they are.
    func writeAnswerBytes(_ bytes: ByteBuffer) { writer.write(bytes) }

    /// A piece of a proxied answer's content as one chunk of a chunked body.
    func writeAnswerChunk(_ content: ByteBuffer) {
        ChunkedEncoding.writeChunk(content) { writer.write($0) }
    }

    /// Ends a proxied answer (with the last chunk when it was chunk-encoded here); closes the
    /// connection after it when the request asked for that, or when the body ends with the close.
    func endAnswer(lastChunk: Bool, closeAfter: Bool) {
        if lastChunk { writer.write(ChunkedEncoding.lastChunk) }
        if closeAfter { keepAlive = false }
        finishAnswer { $0.flush() }
    }

    // MARK: Writing the gateway's own answer

    func writeHead(status: HTTPResponseStatus, headers: HTTPHeaders) {
        var headers = headers
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context?.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
    }

    func flush() { context?.flush() }

    /// Ends the answer; closes the connection after it when the request asked for that.
    func writeEnd() {
        finishAnswer { [self] context in context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil) }
    }

    /// Runs `lastWrite` (which writes and flushes the answer's end) and, when the connection does
    /// not stay open, closes it once everything written has left.
    private func finishAnswer(_ lastWrite: (ChannelHandlerContext) -> Void) {
        guard let context else { return }
        lastWrite(context)
        guard !keepAlive else { return }
        closeScheduled = true
        let written = context.eventLoop.makePromise(of: Void.self)
        writer.writeAndFlush(ByteBuffer(), promise: written)
        written.futureResult.assumeIsolated().whenComplete { [weak self] _ in self?.context?.close(promise: nil) }
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

/// How a proxied answer's body goes to the client (``GatewayConnection/forwarding(for:)``).
enum AnswerForwarding {
    /// The bytes as the upstream sent them (a chunked body keeps its chunks).
    case asSent
    /// The content only, delimited by the connection's close (a client of HTTP/1.0).
    case contentOnly
    /// The content as chunks of the gateway's (a body the upstream delimited by its close).
    case chunkEncoded
}

/// The first handler of a client connection's pipeline, next to the socket: proxied answers are
/// written through it as bytes, past NIO's HTTP response encoder, which only the gateway's own
/// answers (and `100 Continue`) go through. Everything is written on the connection's event
/// loop, so the bytes of both keep their order.
final class AnswerBytesWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func writeAndFlush(_ bytes: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: promise)
    }
}
