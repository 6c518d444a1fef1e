import Foundation
import NIOCore
import TollgateCore
import TollgateTraffic

/// Measures one upstream response as its bytes pass through the gateway, without holding the
/// response: first byte, every content-bearing SSE chunk (TTFT and inter-token gaps), tokens
/// from `usage` or counted chunks, finish reason, and the error class. Ends in a ``Sample``.
///
/// Streaming bodies go through ``SSEParser`` event by event; error answers are classified by
/// ``ErrorClassifier`` (both from TollgateTraffic). A non-streamed body is copied
/// aside up to ``sideCopyLimit`` bytes (after it has been forwarded) so `usage` and error
/// messages can be read at the end, and a 2xx that is not a sound answer (not JSON, an error
/// object, no choices) counts as the error replay would call it.
struct ResponseMeter {
    static let sideCopyLimit = 1 << 20

    private let start: ContinuousClock.Instant
    private(set) var sample: Sample
    private var streaming = false
    /// Whether the answer is a server-sent event stream (known once ``head(status:contentType:)`` ran).
    var isStreaming: Bool { streaming }
    private var parser = SSEParser()
    private var sideCopy: [UInt8] = []
    private var sideCopyOverflow = false
    private var sawDone = false
    private var countedChunks = 0

    /// The API of the request's path (chat, completions, embeddings), when its answers' shape is
    /// known: a non-streamed answer is then checked for its payload too (``WholeAnswer``).
    private let api: ModelAPI?

    init(requestID: String, arm: Arm, startedAt: Date, start: ContinuousClock.Instant, api: ModelAPI?) {
        self.start = start
        self.api = api
        self.sample = Sample(requestID: requestID, arm: arm, startedAt: startedAt)
    }

    private func elapsedMs(_ now: ContinuousClock.Instant = .now) -> Double {
        let d = now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// The response head arrived.
    mutating func head(status: Int, contentType: String?) {
        sample.httpStatus = status
        streaming = contentType?.lowercased().hasPrefix("text/event-stream") == true && (200..<300).contains(status)
    }

    /// A piece of the body arrived (and is being forwarded).
    mutating func observe(_ chunk: ByteBuffer) {
        let now = elapsedMs()
        if sample.firstByteMs == nil { sample.firstByteMs = now }
        sample.bytes += chunk.readableBytes
        if streaming {
            chunk.withUnsafeReadableBytes { bytes in
                for event in parser.feed(bytes) { interpret(event, at: now) }
            }
        } else if !sideCopyOverflow {
            if sideCopy.count + chunk.readableBytes <= Self.sideCopyLimit {
                chunk.withUnsafeReadableBytes { sideCopy.append(contentsOf: $0) }
            } else {
                sideCopyOverflow = true
                sideCopy = []
            }
        }
    }

    /// The upstream finished the body (`error` nil) or failed in the middle of it.
    mutating func finish(upstreamError: ErrorClass?, message: String? = nil) {
        let now = elapsedMs()
        if streaming {
            for event in parser.finish() { interpret(event, at: now) }
        }
        if sample.outputTokens == nil, countedChunks > 0 {
            sample.outputTokens = countedChunks
            sample.tokensEstimated = true
        }
        sample.e2eMs = streaming ? (sample.chunkTimesMs.last ?? now) : now
        if let upstreamError {
            // An error event seen before the transport failed is what went wrong first.
            if sample.errorClass == nil {
                sample.errorClass = upstreamError
                sample.errorMessage = message
            }
        } else if let status = sample.httpStatus, !(200..<300).contains(status) {
            let text = String(decoding: sideCopy.prefix(4096), as: UTF8.self)
            sample.errorClass = ErrorClassifier.classify(status: status, body: text)
            sample.errorMessage = text.isEmpty ? "HTTP \(status)" : String(text.prefix(500))
        } else if streaming {
            if sample.errorClass == nil, let cut = StreamEventReading.endOfStream(finishReason: sample.finishReason, sawDone: sawDone) {
                sample.errorClass = cut.0
                sample.errorMessage = cut.1
            }
        } else if !sideCopyOverflow {
            let reading = sideCopy.isEmpty ? nil : ChunkReading.read(sideCopy)
            if let reading { apply(reading) }
            if let (errorClass, message) = WholeAnswer.failure(reading: reading, body: sideCopy, status: sample.httpStatus ?? 200, api: api) {
                sample.errorClass = errorClass
                sample.errorMessage = message
            }
        }
    }

    /// The client went away before the response was complete: not the arm's fault, so no error
    /// class, but tagged so analyses can leave it out.
    mutating func clientDisconnected() {
        sample.e2eMs = elapsedMs()
        sample.tags.append("client_disconnected")
        // What already went wrong with the answer (a malformed event the client gave up on) stays.
        if sample.errorClass == nil {
            sample.errorMessage = "The client closed the connection before the response was complete."
        }
    }

    /// The upstream could not be reached or answered too late: the gateway answers for it.
    mutating func failedBeforeResponse(_ errorClass: ErrorClass, status: Int, message: String) {
        sample.httpStatus = status
        sample.errorClass = errorClass
        sample.errorMessage = message
        sample.e2eMs = elapsedMs()
    }

    // MARK: OpenAI chunks

    /// Reads one event the way replay does (``StreamEventReading``): after a malformed event or
    /// an error object the stream has failed, and later events no longer count.
    private mutating func interpret(_ event: SSEEvent, at ms: Double) {
        guard sample.errorClass == nil else { return }
        let reading: ChunkReading
        switch StreamEventReading(data: event.data) {
        case .done:
            sawDone = true
            return
        case .malformed(let message):
            sample.errorClass = .malformed
            sample.errorMessage = message
            return
        case .errorFrame(let message):
            let (errorClass, sentence) = StreamEventReading.failure(errorFrame: message, status: sample.httpStatus)
            sample.errorClass = errorClass
            sample.errorMessage = sentence
            return
        case .chunk(let chunk):
            reading = chunk
        }
        apply(reading)
        if reading.hasContent {
            if sample.ttftMs == nil { sample.ttftMs = ms }
            sample.chunkTimesMs.append(ms)
            countedChunks += 1
        }
    }

    /// Takes what a whole answer or a streamed chunk says of the tokens and the finish reason.
    private mutating func apply(_ reading: ChunkReading) {
        if let input = reading.promptTokens { sample.inputTokens = input }
        if let output = reading.completionTokens {
            sample.outputTokens = output
            sample.tokensEstimated = false
        }
        if let reason = reading.finishReason { sample.finishReason = reason }
    }
}
