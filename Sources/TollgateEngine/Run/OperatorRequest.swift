import Foundation
public import TollgateCore
public import TollgateStore

/// What became of an operator command given from outside the process that drives the run
/// (`tollgate rollout approve|…|rollback`).
public enum OperatorRequestOutcome: Sendable {
    /// A live process drives the run: it applies the command within one check interval.
    case requested(owner: String)
    /// Nobody drives the run, and the rollback or abort was applied at once; the run is now in this state.
    case applied(RunState)
    /// Nobody drives the run: the command waits in the journal for whoever resumes it.
    case recorded
}

extension OperatorCommands {
    /// A rollback or abort that is journaled but could not be applied to a run nobody drives
    /// (the router failed, the snapshot does not load): an operational failure.
    public struct ApplyFailure: ClassifiedError {
        public let command: OperatorCommand
        public let reason: String
        public var kind: FailureKind { .operational }
        public var description: String { "\(command.rawValue) is recorded but could not be applied: \(reason)" }
    }

    /// Journals `command` for `run` (``request(_:runID:store:now:)``) and, when nobody drives the run
    /// (no lease, an expired one, or a driver process that is gone) and the command is a rollback or
    /// an abort, applies it here and now with the router's configuration only — weight 0 first, no
    /// model API key needed. Throws ``ApplyFailure`` when that application fails.
    public static func requestAndApply(_ command: RunEventPayload.Command, run: Run, store: RunStore) async throws -> OperatorRequestOutcome {
        try request(command, runID: run.id, store: store)
        if case .process(let owner) = try store.read({ try RolloutEngine.driver(of: run, in: $0) }) {
            return .requested(owner: owner)
        }
        guard command.command == .rollback || command.command == .abort else { return .recorded }
        do {
            let pipeline = try RolloutEngine.pipeline(of: run)
            let assembly = try RolloutAssembly(pipeline: pipeline, store: store)
            defer { assembly.shutdown() }
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: assembly.routerOnlyDependencies())
            try engine.attach()
            return .applied(try await engine.applyPendingCommands())
        } catch {
            throw ApplyFailure(command: command.command, reason: "\(error)")
        }
    }
}
