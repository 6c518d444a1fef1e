import Foundation
public import TollgateCore

/// Why a qualification could not run: the input is bad (no traffic, no endpoint) or the world
/// failed (a server that would not start, exited, or never became ready).
public enum QualifyError: Error, Equatable, CustomStringConvertible {
    /// The pipeline or the options cannot be qualified as given.
    case invalidInput(String)
    case cannotStart(command: String, reason: String)
    case serverExited(command: String, status: Int32)
    case neverReady(endpoint: String, seconds: Double, lastError: String)

    public var description: String {
        switch self {
        case .invalidInput(let message): return message
        case .cannotStart(let command, let reason):
            return "The start command '\(command)' could not be started: \(reason)."
        case .serverExited(let command, let status):
            return "The server started by '\(command)' exited with status \(status) before it served an inference; see its log."
        case .neverReady(let endpoint, let seconds, let lastError):
            return "\(endpoint) served no successful inference within \(String(format: "%.0f", seconds))s of starting (last error: \(lastError))."
        }
    }
}

extension QualifyError: ClassifiedError {
    /// The pipeline or options are the user's; a server that would not start or serve is the world's.
    public var kind: FailureKind {
        switch self {
        case .invalidInput: return .badInput
        case .cannotStart, .serverExited, .neverReady: return .operational
        }
    }
}
