public import TollgateCore

/// Why a Tollgate HTTP service could not start or serve.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration value cannot work; the message says which and why.
    case invalidConfiguration(String)
    /// The listener could not be opened.
    case cannotListen(address: String, reason: String)
    /// The server stopped serving although nobody asked it to (a supervisor should restart it).
    case stoppedUnexpectedly(address: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return "The configuration is not usable: \(message)"
        case .cannotListen(let address, let reason):
            let advice = ListenAddress(parsing: address)?.advice(forFailure: reason) ?? "Check the address."
            return "Could not listen on \(address): \(reason). \(advice)"
        case .stoppedUnexpectedly(let address, let reason):
            return "The gateway on \(address) stopped serving unexpectedly: \(reason)."
        }
    }
}

extension ServerError: ClassifiedError {
    /// A configuration that cannot work is the user's; a listener that cannot open or a server that stops is the world's.
    public var kind: FailureKind {
        switch self {
        case .invalidConfiguration: return .badInput
        case .cannotListen, .stoppedUnexpectedly: return .operational
        }
    }
}
