import Foundation
public import TollgateCore

/// Errors of the traffic module that stop a command: bad endpoints, unreadable traffic files,
/// bad options. (A failed request is not an error: it becomes a ``Sample`` with an error class.)
public enum TrafficError: Error, Equatable, CustomStringConvertible {
    case invalidEndpoint(String)
    case missingAPIKey(variable: String)
    case trafficFileUnreadable(path: String, reason: String)
    case invalidOption(String)
    case sinkFailed(String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let url):
            return "'\(url)' is not a usable endpoint URL: give http:// or https:// with a host, e.g. http://127.0.0.1:8001/v1."
        case .missingAPIKey(let variable):
            return "The environment variable \(variable) that should hold the API key is not set or empty."
        case .trafficFileUnreadable(let path, let reason):
            return "\(path): cannot read the traffic file: \(reason)"
        case .invalidOption(let message):
            return message
        case .sinkFailed(let message):
            return "Samples could not be written: \(message)"
        }
    }
}

extension TrafficError: ClassifiedError {
    /// Endpoints, API key variables, traffic files and options are the user's; only writing samples fails in the world.
    public var kind: FailureKind {
        switch self {
        case .invalidEndpoint, .missingAPIKey, .trafficFileUnreadable, .invalidOption: return .badInput
        case .sinkFailed: return .operational
        }
    }
}
