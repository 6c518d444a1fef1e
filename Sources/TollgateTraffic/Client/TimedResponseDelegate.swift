import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Why the client itself ended an attempt.
enum ClientAbort: Error, Sendable {
    case firstTokenTimeout
    case idleTimeout
    case totalTimeout
    case malformed(String)
    case errorFrame(String)
}

/// What one attempt observed, read after it ended.
struct AttemptObservation: Sendable {
    var status: Int?
    var retryAfter: String?
    /// `x-tollgate-arm` of the response: which version a router (the gateway) sent the request to.
    var servedBy: String?
    var isEventStream = false
    var firstByteMs: Double?
    var contentTimesMs: [Double] = []
    var finishTimeMs: Double?
    var lastByteMs: Double?
    var bytes = 0
    var finishReason: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var sawDone = false
    var text = ""
    /// The body of a non-streamed (or error) response, up to a limit.
    var body = Data()
    var abort: ClientAbort?
    var embeddingCount: Int?
}

/// Receives one attempt's response on its channel's event loop and timestamps every body part as
/// it arrives (`didReceiveBodyPart` runs on the event loop, before any task hop: the tightest
/// timestamps AsyncHTTPClient offers). It also enforces the first-token and idle deadlines.
///
/// All mutable state is touched only on `eventLoop`, which is why it is `@unchecked Sendable`.
final class TimedResponseDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = AttemptObservation

    let eventLoop: any EventLoop
    private let startNs: UInt64
    private let firstTokenNs: UInt64
    private let idleNs: UInt64
    private let totalNs: UInt64
    private let keepText: Bool
    private let bodyLimit: Int
    private var parser = SSEParser()
    private var observation = AttemptObservation()
    private var lastActivityNs: UInt64
    private var timer: Scheduled<Void>?
    private var ended = false
    private weak var task: HTTPClient.Task<AttemptObservation>?
    private var pendingTaskFailure: ClientAbort?

    init(eventLoop: any EventLoop, timeouts: ClientTimeouts, keepText: Bool, bodyLimit: Int = 64 << 20) {
        self.eventLoop = eventLoop
        startNs = DispatchTime.now().uptimeNanoseconds
        lastActivityNs = startNs
        firstTokenNs = Self.nanos(timeouts.firstToken)
        idleNs = Self.nanos(timeouts.idle)
        totalNs = Self.nanos(timeouts.total)
        self.keepText = keepText
        self.bodyLimit = bodyLimit
    }

    /// Starts the deadline timer for `task` (on `eventLoop`, from the first callback: the
    /// deadlines still count from the delegate's creation).
    private func arm(task: HTTPClient.Task<AttemptObservation>) {
        guard self.task == nil else { return }
        self.task = task
        if let pending = pendingTaskFailure { task.fail(reason: pending) }
        scheduleCheck()
    }

    /// The observation so far (call on `eventLoop`, after the attempt ended).
    func snapshot() -> AttemptObservation {
        eventLoop.preconditionInEventLoop()
        ended = true
        timer?.cancel()
        return observation
    }

    // MARK: HTTPClientResponseDelegate

    func didSendRequestHead(task: HTTPClient.Task<AttemptObservation>, _ head: HTTPRequestHead) {
        arm(task: task)
    }

    func didReceiveHead(task: HTTPClient.Task<AttemptObservation>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        arm(task: task)
        observation.status = Int(head.status.code)
        observation.retryAfter = head.headers.first(name: "retry-after")
        observation.servedBy = head.headers.first(name: "x-tollgate-arm")
        let type = head.headers.first(name: "content-type")?.lowercased() ?? ""
        observation.isEventStream = type.contains("text/event-stream") && head.status.code < 300
        return eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<AttemptObservation>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let now = DispatchTime.now().uptimeNanoseconds
        let ms = Self.ms(now - startNs)
        lastActivityNs = now
        observation.bytes += buffer.readableBytes
        observation.lastByteMs = ms
        if observation.firstByteMs == nil { observation.firstByteMs = ms }
        if observation.isEventStream {
            for event in parser.feed(buffer.readableBytesView) { handle(event, atMs: ms, task: task) }
        } else if observation.body.count < bodyLimit {
            observation.body.append(contentsOf: buffer.readableBytesView.prefix(bodyLimit - observation.body.count))
        }
        return eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<AttemptObservation>, _ error: any Error) {
        timer?.cancel()
    }

    func didFinishRequest(task: HTTPClient.Task<AttemptObservation>) throws -> AttemptObservation {
        if observation.isEventStream {
            let ms = observation.lastByteMs ?? 0
            for event in parser.finish() { handle(event, atMs: ms, task: task) }
        }
        ended = true
        timer?.cancel()
        return observation
    }

    // MARK: Events

    private func handle(_ event: SSEEvent, atMs ms: Double, task: HTTPClient.Task<AttemptObservation>) {
        guard observation.abort == nil else { return }
        let reading: ChunkReading
        switch StreamEventReading(data: event.data) {
        case .done:
            observation.sawDone = true
            return
        case .malformed(let message):
            abort(.malformed(message), task: task)
            return
        case .errorFrame(let message):
            abort(.errorFrame(message), task: task)
            return
        case .chunk(let chunk):
            reading = chunk
        }
        if reading.hasContent {
            observation.contentTimesMs.append(ms)
            if keepText { observation.text += reading.text }
        }
        if let finish = reading.finishReason {
            observation.finishReason = finish
            observation.finishTimeMs = ms
        }
        if let p = reading.promptTokens { observation.promptTokens = p }
        if let c = reading.completionTokens { observation.completionTokens = c }
    }

    private func abort(_ reason: ClientAbort, task: HTTPClient.Task<AttemptObservation>?) {
        guard observation.abort == nil else { return }
        observation.abort = reason
        timer?.cancel()
        if let task { task.fail(reason: reason) } else { pendingTaskFailure = reason }
    }

    // MARK: Deadlines

    private func scheduleCheck() {
        guard !ended, observation.abort == nil else { return }
        let deadline = nextDeadlineNs()
        let now = DispatchTime.now().uptimeNanoseconds
        if deadline <= now {
            fire()
            return
        }
        timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(deadline - now))) { [self] in
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= nextDeadlineNs() { fire() } else { scheduleCheck() }
        }
    }

    private func nextDeadlineNs() -> UInt64 {
        let total = startNs &+ totalNs
        let waitingForFirst = observation.isEventStream ? observation.contentTimesMs.isEmpty : observation.firstByteMs == nil
        let phase = waitingForFirst ? startNs &+ firstTokenNs : lastActivityNs &+ idleNs
        return min(total, phase)
    }

    private func fire() {
        guard !ended, observation.abort == nil else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let waitingForFirst = observation.isEventStream ? observation.contentTimesMs.isEmpty : observation.firstByteMs == nil
        if now >= startNs &+ totalNs {
            abort(.totalTimeout, task: task)
        } else if waitingForFirst {
            abort(.firstTokenTimeout, task: task)
        } else {
            abort(.idleTimeout, task: task)
        }
    }

    private static func nanos(_ d: Duration) -> UInt64 {
        let c = d.components
        return UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
    }

    private static func ms(_ ns: UInt64) -> Double { Double(ns) / 1_000_000 }
}
