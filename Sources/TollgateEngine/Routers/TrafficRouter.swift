public import TollgateCore

/// Something that decides which share of live traffic reaches the candidate: Tollgate's own
/// gateway, HAProxy, a Kubernetes route, or a user's script.
///
/// The rollout engine calls ``setWeight(_:)`` at the start of every canary stage and with 0 on
/// rollback. Implementations are idempotent: setting the weight a router already has succeeds
/// and changes nothing.
public protocol TrafficRouter: Sendable {
    /// A short, human description of the router and what it drives, for logs and the journal
    /// (for example `haproxy models/candidate via /run/haproxy/admin.sock`).
    var summary: String { get }

    /// Sends `candidatePercent` percent of traffic (0...100) to the candidate and the rest to the
    /// baseline. Returns what was done, for the run's journal.
    func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt

    /// The candidate's current share in percent as the router reports it, or `nil` when the
    /// router cannot read it back (a command router without a read command).
    func currentWeight() async throws -> Int?
}

/// What a router did when asked to change the weight: kept in the run's journal.
public struct RouterReceipt: Sendable, Equatable, Codable {
    /// The router kind: `gateway`, `haproxy`, `kubernetes` or `command`.
    public var router: String
    /// The candidate share that was set, in percent.
    public var candidatePercent: Int
    /// What was sent (a command line, a patch) and what came back (output), verbatim.
    public var detail: String

    public init(router: String, candidatePercent: Int, detail: String) {
        self.router = router
        self.candidatePercent = candidatePercent
        self.detail = detail
    }
}

/// Why a router could not set or read the traffic split.
public enum RouterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The requested weight is not a percentage.
    case weightOutOfRange(Int)
    /// The router's endpoint (gateway admin URL, HAProxy socket) could not be reached.
    case unreachable(router: String, target: String, reason: String)
    /// The gateway's admin API refused the token.
    case unauthorized(target: String)
    /// The router answered, but not with what was expected.
    case unexpectedAnswer(router: String, answer: String)
    /// The router refused a command, saying why in its own words (HAProxy's `No such server.`).
    case refused(router: String, command: String, answer: String)
    /// A command (the user's, or `kubectl`) exited with a failure status.
    case commandFailed(command: String, status: Int32, output: String)
    /// A command did not finish within its time limit and was stopped.
    case commandTimedOut(command: String, seconds: Double)
    /// The router's configuration cannot work (an empty name, a missing placeholder).
    case invalidConfiguration(String)
    /// The variable that should hold the gateway's admin token is not set or empty.
    case missingToken(variable: String)

    public var description: String {
        switch self {
        case .weightOutOfRange(let weight):
            return "The candidate weight must be a percentage from 0 to 100; got \(weight)."
        case .unreachable(let router, let target, let reason):
            return "The \(router) router could not reach \(target): \(reason). Check that it is running and the address is right."
        case .unauthorized(let target):
            return "The gateway at \(target) refused the admin token (HTTP 401). Pass the token the gateway was started with."
        case .unexpectedAnswer(let router, let answer):
            return "The \(router) router gave an answer Tollgate does not understand: \(answer)"
        case .refused(let router, let command, let answer):
            return "The \(router) router refused `\(command)`: \(answer)"
        case .commandFailed(let command, let status, let output):
            let tail = output.isEmpty ? "it printed nothing" : "its output:\n\(output)"
            return "The command `\(command)` exited with status \(status); \(tail)"
        case .commandTimedOut(let command, let seconds):
            return "The command `\(command)` did not finish within \(seconds) s and was stopped."
        case .invalidConfiguration(let message):
            return "The router configuration is not usable: \(message)"
        case .missingToken(let variable):
            return "The environment variable \(variable) (the gateway's admin token) is not set; export it and run again."
        }
    }
}

extension TrafficRouter {
    /// Throws ``RouterError/weightOutOfRange(_:)`` unless `weight` is within 0...100.
    static func validate(_ weight: Int) throws {
        guard (0...100).contains(weight) else { throw RouterError.weightOutOfRange(weight) }
    }
}

extension RouterError: ClassifiedError {
    /// A weight out of range, a refused token or a configuration that cannot work is bad input;
    /// a router that cannot be reached, answers oddly, refuses a command or whose command fails is
    /// an operational failure.
    public var kind: FailureKind {
        switch self {
        case .weightOutOfRange, .unauthorized, .invalidConfiguration, .missingToken: return .badInput
        case .unreachable, .unexpectedAnswer, .refused, .commandFailed, .commandTimedOut: return .operational
        }
    }
}
