import Foundation

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
            return "The simulator cannot listen on \(host):\(port): \(reason). Choose another port or stop the process using it."
        }
    }
}
