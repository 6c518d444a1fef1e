import TollgateStore
public import TollgateCore

/// Why the rollout engine could not start, continue or act on a run.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    /// Another process holds the target's lease.
    case targetBusy(target: String, runID: String, owner: String, expiresIn: Double)
    /// The lease was taken over by another process while this one ran.
    case leaseLost(target: String)
    /// The run has already ended.
    case runFinished(runID: String, status: String)
    /// The stored pipeline snapshot no longer loads (written by an incompatible Tollgate).
    case badSnapshot(runID: String, message: String)
    /// A command the run's state does not allow (approve when nothing waits, resume when running).
    case commandNotAllowed(command: String, state: String)
    /// The run is not a rollout.
    case notARollout(runID: String)
    /// `promote`, `rollback` and `abort` are journaled with the operator's reason, and none was given.
    case reasonRequired(command: String)

    public var description: String {
        switch self {
        case .targetBusy(let target, let runID, let owner, let expiresIn):
            return "Target '\(target)' already has an active run (\(runID)) driven by \(owner); its lease expires in \(Int(expiresIn.rounded())) s. Wait for it, or act on it with `tollgate rollout status \(runID)`."
        case .leaseLost(let target):
            return "Another process took over the lease of target '\(target)'; this process stops driving the run."
        case .runFinished(let runID, let status):
            return "Run \(runID) has already ended (\(status)); nothing to do."
        case .badSnapshot(let runID, let message):
            return "The pipeline snapshot stored with run \(runID) does not load: \(message)"
        case .commandNotAllowed(let command, let state):
            return "Cannot \(command) a run that is \(state)."
        case .notARollout(let runID):
            return "Run \(runID) is not a rollout."
        case .reasonRequired(let command):
            return "A \(command) needs a reason (it is journaled with the run): give one."
        }
    }
}

extension EngineError: ClassifiedError {
    /// A command the run does not allow (its state, its kind, a missing reason, a snapshot that no
    /// longer loads) is bad input; another process holding or taking the lease is operational:
    /// waiting for it, or acting on that run, helps.
    public var kind: FailureKind {
        switch self {
        case .runFinished, .badSnapshot, .commandNotAllowed, .notARollout, .reasonRequired: return .badInput
        case .targetBusy, .leaseLost: return .operational
        }
    }
}
