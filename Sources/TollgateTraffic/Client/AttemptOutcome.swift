import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import TollgateCore

/// Turns what an attempt observed (and how it ended) into a ``Sample`` with its error class.
struct AttemptOutcome {
    var observation: AttemptObservation
    var failure: (any Error)?
    var keepText: Bool
    var timeouts: ClientTimeouts
    var api: ModelAPI

    func sample(requestID: String, arm: Arm, startedAt: Date) -> Sample {
        let o = observation
        var s = Sample(requestID: requestID, arm: arm, startedAt: startedAt, firstByteMs: o.firstByteMs,
                       httpStatus: o.status, bytes: o.bytes)
        if o.isEventStream {
            fillStream(&s)
        } else {
            fillWhole(&s)
        }
        if let (errorClass, message) = error() {
            s.errorClass = errorClass
            s.errorMessage = message
        }
        return s
    }

    private func fillStream(_ s: inout Sample) {
        let o = observation
        s.chunkTimesMs = o.contentTimesMs
        s.ttftMs = o.contentTimesMs.first
        s.e2eMs = o.contentTimesMs.last ?? o.finishTimeMs
        s.finishReason = o.finishReason
        s.inputTokens = o.promptTokens
        if let c = o.completionTokens {
            s.outputTokens = c
        } else {
            s.outputTokens = o.contentTimesMs.count
            s.tokensEstimated = true
        }
        if keepText { s.responseText = o.text }
    }

    private func fillWhole(_ s: inout Sample) {
        let o = observation
        guard let status = o.status, status < 300, failure == nil, let reading = ChunkReading.read(o.body) else { return }
        s.e2eMs = o.lastByteMs
        s.finishReason = reading.finishReason
        s.inputTokens = reading.promptTokens
        if api == .embeddings {
            s.outputTokens = 0
            return
        }
        if let c = reading.completionTokens {
            s.outputTokens = c
        } else {
            s.outputTokens = reading.text.isEmpty ? 0 : max(1, reading.text.utf8.count / 4)
            s.tokensEstimated = true
        }
        if keepText { s.responseText = reading.text }
    }

    /// The error class and a sentence about it, or `nil` when the attempt succeeded.
    private func error() -> (ErrorClass, String)? {
        let o = observation
        if let abort = o.abort {
            switch abort {
            case .firstTokenTimeout:
                return (.timeoutFirstToken, "No token arrived within the first-token timeout of \(DurationText.format(timeouts.firstToken)).")
            case .idleTimeout:
                return (.timeoutIdle, "The stream was silent for longer than the idle timeout of \(DurationText.format(timeouts.idle)).")
            case .totalTimeout:
                return (.timeoutTotal, "The request took longer than the total timeout of \(DurationText.format(timeouts.total)).")
            case .malformed(let message):
                return (.malformed, message)
            case .errorFrame(let message):
                return StreamEventReading.failure(errorFrame: message, status: o.status)
            }
        }
        if let status = o.status, status >= 400 {
            let answer = HTTPErrorResponse.describe(status: status, body: o.body)
            return (answer.errorClass, answer.message)
        }
        if let failure {
            if let client = failure as? HTTPClientError, client == .deadlineExceeded {
                return (.timeoutTotal, "The request took longer than the total timeout of \(DurationText.format(timeouts.total)).")
            }
            if o.status == nil {
                if Self.isConnectFailure(failure) {
                    return (.connect, "The connection could not be established: \(Self.describeConnectFailure(failure)).")
                }
                return (.streamCut, "The connection closed before a response arrived: \(failure).")
            }
            return (.streamCut, "The response ended before the server said the generation finished: \(failure).")
        }
        if o.isEventStream {
            return StreamEventReading.endOfStream(finishReason: o.finishReason, sawDone: o.sawDone)
        }
        return WholeAnswer.failure(body: o.body, status: o.status ?? 200, api: api)
    }

    /// A connection failure in plain words ("127.0.0.1:8001: Connection refused"), instead of NIO's
    /// nested debug descriptions, whose parentheses and brackets do not survive being quoted.
    static func describeConnectFailure(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            let reasons = connection.connectionErrors.map { describeConnectFailure($0.error) }
            let reason = reasons.isEmpty ? "no address could be reached" : Array(Set(reasons)).sorted().joined(separator: "; ")
            return "\(connection.host):\(connection.port): \(reason)"
        }
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode))
        }
        if let client = error as? HTTPClientError, client == .connectTimeout {
            return "the connect timeout passed"
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return "the connect timeout passed"
        }
        return String(describing: error)
    }

    static func isConnectFailure(_ error: any Error) -> Bool {
        if let client = error as? HTTPClientError {
            return client == .connectTimeout
        }
        if error is NIOConnectionError { return true }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return true }
        if let io = error as? IOError {
            return [ECONNREFUSED, ECONNRESET, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT].contains(io.errnoCode)
        }
        let text = String(describing: error).lowercased()
        return text.contains("connect") || text.contains("refused")
    }
}
