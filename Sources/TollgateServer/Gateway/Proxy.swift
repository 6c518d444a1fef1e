import Foundation
import NIOCore
import NIOHTTP1
import TollgateCore

/// What every proxied request shares: the configuration, the live split, the metrics, the mirror
/// and the sample writer. The per-request work is an ``Exchange``. A class, so each exchange
/// holds one reference rather than a copy of the whole configuration.
final class Proxy: Sendable {
    let configuration: GatewayConfiguration
    let split: TrafficSplit
    let metrics: GatewayMetrics
    let mirror: ShadowMirror
    let samples: SampleBatchWriter?

    init(configuration: GatewayConfiguration, split: TrafficSplit, metrics: GatewayMetrics, mirror: ShadowMirror, samples: SampleBatchWriter?) {
        self.configuration = configuration
        self.split = split
        self.metrics = metrics
        self.mirror = mirror
        self.samples = samples
    }

    static let armHeader = "x-tollgate-arm"
    static let requestIDHeader = "x-request-id"

    /// Records a finished request. Only inference requests are measured; anything else
    /// (`GET /v1/models`…) is only counted as passed through.
    func finish(_ sample: Sample, measured: Bool) {
        guard measured else {
            metrics.passedThrough(sample.arm)
            return
        }
        metrics.requestFinished(sample)
        samples?.submit(sample)
    }

    /// The 413 answer's body; counts the rejection.
    func tooLarge() -> String {
        metrics.rejected(status: 413)
        return UpstreamFailure.jsonBody(message: "The request body is larger than the gateway's limit of \(configuration.maxBodyBytes) bytes.", code: "body_too_large", arm: nil)
    }
}

/// One proxied request on a client connection, from its head to the end of both its body and its
/// answer: chooses the arm (after peeking at the body for a sticky `user` when configured), takes
/// a pooled connection to that arm on the client connection's event loop, streams the body up and
/// the answer down chunk by chunk without copying (pausing reads on whichever side cannot keep
/// up), measures the answer as it passes (``ResponseMeter``), and records the sample. Everything
/// happens on the client connection's event loop.
final class Exchange: UpstreamResponseDelegate {
    private unowned let owner: GatewayConnection
    private let proxy: Proxy
    private let pool: UpstreamPool
    let head: HTTPRequestHead
    private let requestID: String
    private let declaredLength: Int?
    private let hasBody: Bool
    private let measured: Bool
    /// The API of the path (what a non-streamed answer must carry), when Tollgate reads it.
    private let api: ModelAPI?
    private let clientAddress: String?
    /// The header names the request's `Connection` header lists (not forwarded).
    private let connectionNamed: [String]

    private var stickyKey: String?
    /// Set while the body is read ahead for a sticky `user` field, before the arm is chosen.
    private var scanner: UserFieldScanner?
    private var peekedBytes = 0
    /// Body parts received before the upstream connection was ready.
    private var held: [ByteBuffer] = []
    private var received = 0
    private var exceededLimit = false
    /// The client's `.end` arrived.
    private(set) var requestEnded = false
    private var sentEnd = false

    private var routed = false
    private var arm: Arm = .baseline
    private var slot = 0
    /// The copy of the body for a shadow request (only when mirrored).
    private var copy: ByteBuffer?
    private var mirrorPending = false
    private var meter: ResponseMeter?
    private var connection: UpstreamConnection?
    private var connecting = false
    private var upstreamKeepAlive = true

    private var responseStarted = false
    /// How the answer's body goes to the client (known with the answer's head).
    private var forwarding = AnswerForwarding.asSent
    /// The answer's body ends with the client connection's close.
    private var closesAfterAnswer = false
    /// The client's answer is complete (or can no longer be given).
    private(set) var responseDone = false
    private var recorded = false
    private var clientGone = false

    private var startedAt = NIODeadline.now()
    private var lastActivity = NIODeadline.now()

    init(owner: GatewayConnection, proxy: Proxy, pool: UpstreamPool, head: HTTPRequestHead, facts: RequestFacts, path: Substring, clientAddress: String?) {
        self.owner = owner
        self.proxy = proxy
        self.pool = pool
        self.head = head
        self.clientAddress = clientAddress
        connectionNamed = facts.connectionNamed
        stickyKey = facts.stickyKey
        requestID = facts.requestID ?? RequestIDGenerator.next()
        declaredLength = facts.contentLength
        hasBody = declaredLength.map { $0 > 0 } ?? facts.hasTransferEncoding
        let inference = head.method == .POST ? InferencePath.inference(path) : nil
        measured = inference != nil
        api = inference?.api
    }

    // MARK: The client's side

    /// The request head arrived: answers 413 for a declared oversized body, else chooses the arm
    /// now or after peeking at the body.
    func start() {
        if let declaredLength, declaredLength > proxy.configuration.maxBodyBytes {
            exceededLimit = true
            answerOwn(status: .payloadTooLarge, body: proxy.tooLarge(), arm: nil)
            return
        }
        if stickyKey == nil, proxy.configuration.stickiness.userField, hasBody {
            scanner = UserFieldScanner()
            return
        }
        route()
    }

    func clientBody(_ buffer: ByteBuffer) {
        guard !exceededLimit else { return }
        received += buffer.readableBytes
        if received > proxy.configuration.maxBodyBytes {
            bodyTooLarge()
            return
        }
        if var scanning = scanner {
            held.append(buffer)
            peekedBytes += buffer.readableBytes
            scanning.feed(buffer.readableBytesView)
            scanner = scanning
            if scanning.isDone || peekedBytes >= proxy.configuration.stickiness.peekBytes {
                stickyKey = scanning.user
                route()
            }
            return
        }
        copy?.writeImmutableBuffer(buffer)
        if let connection, !responseDone {
            sendBody(buffer, to: connection)
            owner.flushUpstream(connection)
            if !connection.isWritable { owner.pauseReads() }
        } else if connecting {
            held.append(buffer)
        }
        // Otherwise the answer is already complete: the rest of the body is read and dropped.
    }

    func clientEnd() {
        requestEnded = true
        if let scanning = scanner {
            stickyKey = scanning.user
            route()
        } else if let connection, !responseDone, !sentEnd {
            sendEnd(to: connection)
            owner.flushUpstream(connection)
        }
        completeIfDone()
    }

    /// The client closed its connection.
    func clientClosed() {
        clientGone = true
        guard !responseDone else {
            completeIfDone()
            return
        }
        responseDone = true
        dropConnection()
        if routed, meter != nil {
            meter?.clientDisconnected()
            record()
        }
        completeIfDone()
    }

    /// The client can take more: upstream reads resume.
    func clientWritable() { connection?.setAutoRead(true) }

    // MARK: Choosing the arm and the connection

    private func route() {
        scanner = nil
        routed = true
        let configuration = proxy.configuration
        if configuration.stickiness.isEnabled, stickyKey == nil, measured { proxy.metrics.stickyMiss() }
        let weights = proxy.split.weights
        arm = ArmSelector.choose(candidatePercent: weights.candidate, stickyKey: stickyKey)
        slot = arm == .candidate ? 1 : 0
        if measured, arm == .baseline, ArmSelector.shouldMirror(mirrorPercent: weights.mirror) {
            mirrorPending = true
            var copy = ByteBuffer()
            for part in held { copy.writeImmutableBuffer(part) }
            self.copy = copy
        }
        if measured { proxy.metrics.requestStarted(arm) }
        meter = ResponseMeter(requestID: requestID, arm: arm, startedAt: Date(), start: .now, api: api)
        startedAt = .now()
        lastActivity = startedAt
        scheduleTimer()
        if let idle = pool.takeIdle(slot) {
            attach(idle)
            return
        }
        connecting = true
        pool.connect(slot).assumeIsolated().whenComplete { [self] result in
            connecting = false
            switch result {
            case .success(let connection):
                if responseDone {
                    pool.release(connection)
                } else {
                    attach(connection)
                }
            case .failure(let error):
                guard !responseDone else { return }
                failBeforeResponse(UpstreamFailure(error, arm: arm, upstream: pool.target(slot).upstream.origin))
            }
        }
    }

    private func attach(_ connection: UpstreamConnection) {
        self.connection = connection
        connection.delegate = self
        let target = pool.target(slot)
        // The request head as bytes: request line, host, the client's forwardable headers, the body's framing.
        let path = target.upstream.path(forPath: head.uri)
        var bytes = ByteBuffer()
        bytes.reserveCapacity(256 + path.utf8.count)
        bytes.writeString(head.method.rawValue)
        bytes.writeStaticString(" ")
        bytes.writeString(path)
        bytes.writeStaticString(" HTTP/1.1\r\nhost: ")
        bytes.writeString(target.hostHeader)
        bytes.writeStaticString("\r\n")
        HopByHopHeaders.writeUpstreamRequestFields(head.headers, connectionNamed: connectionNamed, clientAddress: clientAddress, apiKey: target.upstream.apiKey, into: &bytes)
        if let declaredLength {
            bytes.writeStaticString("content-length: ")
            bytes.writeString(String(declaredLength))
            bytes.writeStaticString("\r\n")
        } else if hasBody {
            bytes.writeStaticString("transfer-encoding: chunked\r\n")
        }
        bytes.writeStaticString("\r\n")
        connection.writeRequestHead(bytes, toHEAD: head.method == .HEAD)
        for part in held { sendBody(part, to: connection) }
        held = []
        if requestEnded { sendEnd(to: connection) }
        owner.flushUpstream(connection)
        if !connection.isWritable { owner.pauseReads() }
    }

    /// A body of unknown length goes upstream chunked; a declared one as it came.
    private var sendsChunked: Bool { declaredLength == nil && hasBody }

    private func sendBody(_ part: ByteBuffer, to connection: UpstreamConnection) {
        if sendsChunked {
            ChunkedEncoding.writeChunk(part) { connection.write($0) }
        } else {
            connection.write(part)
        }
    }

    private func sendEnd(to connection: UpstreamConnection) {
        if sendsChunked { connection.write(ChunkedEncoding.lastChunk) }
        sentEnd = true
    }

    // MARK: The upstream's side

    func upstreamHead(_ head: UpstreamAnswerHead) {
        guard !responseDone, meter != nil else { return }
        lastActivity = .now()
        // Changed in place: a copy of the meter would retain and release every field it holds.
        meter?.head(status: head.status, contentType: head.contentType)
        upstreamKeepAlive = head.keepAlive
        forwarding = owner.forwarding(for: head.framing)
        closesAfterAnswer = forwarding == .contentOnly && head.framing != .none
        var bytes = head.bytes
        func add(_ name: String, _ value: String) {
            bytes.writeString(name)
            bytes.writeStaticString(": ")
            bytes.writeString(value)
            bytes.writeStaticString("\r\n")
        }
        add(Proxy.armHeader, arm.rawValue)
        add(Proxy.requestIDHeader, requestID)
        responseStarted = true
        owner.writeAnswerHead(&bytes, chunked: forwarding == .chunkEncoded || (forwarding == .asSent && head.declaredChunked))
    }

    func upstreamBody(_ buffer: ByteBuffer) {
        guard !responseDone, responseStarted else { return }
        lastActivity = .now()
        meter?.observe(buffer)
        if forwarding == .chunkEncoded {
            owner.writeAnswerChunk(buffer)
        } else {
            owner.writeAnswerBytes(buffer)
        }
        if !owner.isWritable { connection?.setAutoRead(false) }
    }

    func upstreamChunkContent(_ buffer: ByteBuffer) {
        guard !responseDone, responseStarted else { return }
        lastActivity = .now()
        meter?.observe(buffer)
        guard forwarding == .contentOnly else { return }
        owner.writeAnswerBytes(buffer)
        if !owner.isWritable { connection?.setAutoRead(false) }
    }

    func upstreamChunkedBytes(_ buffer: ByteBuffer) {
        guard !responseDone, responseStarted, forwarding == .asSent else { return }
        owner.writeAnswerBytes(buffer)
        if !owner.isWritable { connection?.setAutoRead(false) }
    }

    func upstreamReadComplete() { owner.flush() }

    func upstreamEnd() {
        guard !responseDone, responseStarted, let connection else { return }
        meter?.finish(upstreamError: nil)
        self.connection = nil
        if sentEnd, upstreamKeepAlive { pool.release(connection) } else { connection.close() }
        responseDone = true
        // Recorded (and the shadow copy handed over) before the answer's end leaves, so a client that
        // has its answer finds the sample and the mirror counted.
        record()
        if requestEnded { handOverMirror() }
        owner.endAnswer(lastChunk: forwarding == .chunkEncoded, closeAfter: closesAfterAnswer)
        completeIfDone()
    }

    func upstreamFailed(_ error: any Error) {
        connection = nil
        guard !responseDone else { return }
        if !responseStarted {
            failBeforeResponse(UpstreamFailure(error, arm: arm, upstream: pool.target(slot).upstream.origin))
            return
        }
        meter?.finish(upstreamError: UpstreamFailure.midStream(error), message: UpstreamFailure.midStreamMessage(error))
        responseDone = true
        record()
        owner.abortResponse()
        completeIfDone()
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { owner.resumeReads() } else { owner.pauseReads() }
    }

    // MARK: Endings

    /// The body passed the limit while streaming: the client's fault, so no sample, counted as rejected.
    private func bodyTooLarge() {
        exceededLimit = true
        copy = nil
        mirrorPending = false
        held = []
        scanner = nil
        guard !responseDone else { return }
        dropConnection()
        if routed, measured { proxy.metrics.requestAbandoned(arm) }
        recorded = true
        if responseStarted {
            responseDone = true
            owner.abortResponse()
        } else {
            answerOwn(status: .payloadTooLarge, body: proxy.tooLarge(), arm: nil)
        }
    }

    /// The upstream could not be reached or did not answer in time: the gateway answers for it.
    private func failBeforeResponse(_ failure: UpstreamFailure) {
        dropConnection()
        meter?.failedBeforeResponse(failure.errorClass, status: failure.status, message: failure.message)
        mirrorPending = false
        record()
        answerOwn(status: HTTPResponseStatus(statusCode: failure.status), body: UpstreamFailure.jsonBody(message: failure.message, code: failure.errorClass.rawValue, arm: arm), arm: arm)
    }

    private func answerOwn(status: HTTPResponseStatus, body: String, arm: Arm?) {
        responseDone = true
        owner.answer(status: status, json: body, arm: arm)
        completeIfDone()
    }

    private func record() {
        guard !recorded, let meter else { return }
        recorded = true
        proxy.finish(meter.sample, measured: measured)
    }

    /// Once both the body and the answer are done: hands the shadow copy over and frees the connection for the next request.
    private func completeIfDone() {
        guard responseDone, requestEnded || clientGone else { return }
        handOverMirror()
        owner.exchangeDone(self)
    }

    /// Offers the shadow copy to the mirror once (a copy whose request never ended counts as failed).
    private func handOverMirror() {
        guard mirrorPending else { return }
        mirrorPending = false
        if requestEnded, let copy, let job = shadowJob(body: copy) {
            proxy.mirror.offer(job)
        } else {
            proxy.metrics.mirror { $0.failed += 1 }
        }
    }

    private func shadowJob(body: ByteBuffer) -> ShadowMirror.Job? {
        ShadowMirror.Job(requestID: requestID, method: head.method, pathAndQuery: head.uri,
                         headers: HopByHopHeaders.mirrorRequestHeaders(head.headers, connectionNamed: connectionNamed, clientAddress: clientAddress, apiKey: proxy.configuration.mirrorAPIKey),
                         body: body, hasBody: hasBody)
    }

    private func dropConnection() {
        connection?.close()
        connection = nil
    }

    // MARK: Timeouts

    /// Before the answer's head: the response timeout from the start and the idle timeout from
    /// the last activity; after it: the idle timeout between pieces of the body. The connection
    /// wakes the exchange at (or before) the deadline (``GatewayConnection/wakeUp(at:)``); an
    /// exchange that is done by then ignores it, so none is cancelled.
    private func scheduleTimer() {
        let configuration = proxy.configuration
        let idleDeadline = lastActivity + TimeAmount(configuration.idleTimeout)
        let deadline = responseStarted ? idleDeadline : min(idleDeadline, startedAt + TimeAmount(configuration.responseTimeout))
        owner.wakeUp(at: deadline)
    }

    /// The connection's timer went off: a deadline passed, or one set earlier (for this exchange
    /// or one before it) came first.
    func timerFired() {
        guard !responseDone else { return }
        let configuration = proxy.configuration
        let now = NIODeadline.now()
        let silent = now - lastActivity >= TimeAmount(configuration.idleTimeout)
        let origin = pool.target(slot).upstream.origin
        if !responseStarted {
            if now - startedAt >= TimeAmount(configuration.responseTimeout) {
                failBeforeResponse(UpstreamFailure(errorClass: .timeoutFirstToken, status: 504, message: "the \(arm.rawValue) upstream \(origin) did not answer in time."))
            } else if silent {
                failBeforeResponse(UpstreamFailure(errorClass: .timeoutIdle, status: 504, message: "the \(arm.rawValue) upstream \(origin) went silent before answering."))
            } else {
                scheduleTimer()
            }
            return
        }
        guard silent else {
            scheduleTimer()
            return
        }
        dropConnection()
        meter?.finish(upstreamError: .timeoutIdle, message: "The \(arm.rawValue) upstream \(origin) went silent for more than \(DurationText.format(configuration.idleTimeout)) in the middle of its answer.")
        responseDone = true
        record()
        owner.abortResponse()
        completeIfDone()
    }
}

extension TimeAmount {
    /// A NIO time amount of the same length as `duration`.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
