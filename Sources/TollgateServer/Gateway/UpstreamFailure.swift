import Foundation
import AsyncHTTPClient
import NIOCore
import NIOPosix
import TollgateCore

/// How a failed upstream call is reported: the error class counted, the status the gateway
/// answers with (502 when the upstream is down or broke the connection, 504 when it was too
/// slow), and a sentence for the JSON error body.
struct UpstreamFailure: Sendable, Equatable {
    var errorClass: ErrorClass
    var status: Int
    var message: String

    init(errorClass: ErrorClass, status: Int, message: String) {
        self.errorClass = errorClass
        self.status = status
        self.message = message
    }

    /// Classifies an error of the upstream connection (the gateway's own client, or `HTTPClient.execute`
    /// for shadow copies) before the response head arrived.
    init(_ error: any Error, arm: Arm, upstream: String) {
        let name = "the \(arm.rawValue) upstream \(upstream)"
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded:
                self.init(errorClass: .timeoutFirstToken, status: 504, message: "\(name) did not answer in time.")
            case .readTimeout:
                self.init(errorClass: .timeoutIdle, status: 504, message: "\(name) went silent before answering.")
            case .connectTimeout:
                self.init(errorClass: .connect, status: 504, message: "Connecting to \(name) timed out.")
            case .remoteConnectionClosed:
                self.init(errorClass: .streamCut, status: 502, message: "\(name) closed the connection without an answer.")
            default:
                self.init(errorClass: .connect, status: 502, message: "\(name) failed: \(error).")
            }
            return
        }
        if case .connectTimeout? = error as? ChannelError {
            self.init(errorClass: .connect, status: 504, message: "Connecting to \(name) timed out.")
            return
        }
        if error is UpstreamClosed {
            self.init(errorClass: .streamCut, status: 502, message: "\(name) closed the connection without an answer.")
            return
        }
        if let error = error as? MalformedAnswer {
            self.init(errorClass: .malformed, status: 502, message: "\(name) sent an answer that is not HTTP/1: \(error).")
            return
        }
        if error is NIOConnectionError || error is IOError || error is ChannelError {
            self.init(errorClass: .connect, status: 502, message: "\(name) could not be reached (\(error)).")
            return
        }
        self.init(errorClass: .connect, status: 502, message: "\(name) failed: \(error).")
    }

    /// Classifies an error of the upstream connection (or of `HTTPClient` for shadow copies)
    /// while the response body was streaming (status already sent).
    static func midStream(_ error: any Error) -> ErrorClass {
        if let error = error as? HTTPClientError, error == .readTimeout { return .timeoutIdle }
        return error is MalformedAnswer ? .malformed : .streamCut
    }

    /// The sentence for an error of ``midStream(_:)``.
    static func midStreamMessage(_ error: any Error) -> String {
        if let error = error as? MalformedAnswer { return "The upstream's answer broke HTTP/1 framing: \(error)." }
        if error is UpstreamClosed { return "The upstream closed the connection in the middle of its answer." }
        return "The upstream stream broke: \(error)."
    }

    /// The OpenAI-style JSON error body the gateway answers with.
    static func jsonBody(message: String, code: String, arm: Arm?) -> String {
        let escaped = message.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            case "\n": return "\\n"
            default: return scalar.value < 0x20 ? String(format: "\\u%04x", scalar.value) : String(scalar)
            }
        }.joined()
        let armField = arm.map { ",\"arm\":\"\($0.rawValue)\"" } ?? ""
        return "{\"error\":{\"message\":\"\(escaped)\",\"type\":\"tollgate_gateway_error\",\"code\":\"\(code)\"\(armField)}}"
    }
}
