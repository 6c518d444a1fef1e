import Foundation
public import TollgateCore

/// Errors of the simulator: a profile that makes no sense, or a server that could not start.
public enum SimulatorError: Error, Equatable, CustomStringConvertible {
    case invalidProfile(String)
    case profileUnreadable(path: String, reason: String)
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidProfile(let message):
            return "The simulator profile is invalid: \(message)"
        case .profileUnreadable(let path, let reason):
            return "\(path): cannot read the simulator profile: \(reason)"
        case .cannotListen(let host, let port, let reason):
            let address = ListenAddress(host: host, port: port)
            return "The simulator cannot listen on \(address): \(reason). \(address.advice(forFailure: reason))"
        }
    }
}

extension SimulatorError: ClassifiedError {
    /// A profile is the user's to fix; a port that cannot be bound is the world's.
    public var kind: FailureKind {
        switch self {
        case .invalidProfile, .profileUnreadable: return .badInput
        case .cannotListen: return .operational
        }
    }
}
