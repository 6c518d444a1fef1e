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
            return "The gateway configuration is not usable: \(message)"
        case .cannotListen(let address, let reason):
            return "Could not listen on \(address): \(reason). Choose another port or stop what is using it."
        case .stoppedUnexpectedly(let address, let reason):
            return "The gateway on \(address) stopped serving unexpectedly: \(reason)."
        }
    }
}
