import Foundation
public import TollgateCore
import TollgateStore

/// How a driving process leaves a run it can no longer drive: a start that failed, a signal,
/// and the emergency rollback or abort of a run whose driver is gone.
extension RolloutEngine {
    /// Ends a run this process created but could not drive (a router that refuses, a traffic file
    /// that breaks half-way): the candidate's weight goes to 0 where the router takes it, the run
    /// ends `failed` with `reason`, and its lease is released, so neither a retry nor
    /// `tollgate serve` finds a run left `running` by a failure the user already saw.
    public func fail(reason: String) async throws {
        let state = try currentState()
        guard !state.phase.isTerminal else { return }
        var receipt: RouterReceipt?
        var why = reason
        if (state.weight ?? 0) > 0 {
            do { receipt = try await deps.router.setWeight(0) } catch {
                why += "; setting the candidate's weight to 0 failed too: \(error)"
            }
        }
        try finish(.failed, stage: state.activeStage, reason: why, trigger: "failure", numbers: [:], weightReceipt: receipt)
    }

    /// Leaves a run whose driving was cancelled by a signal: with `pause` the run is journaled
    /// `paused` with `reason` (the router keeps the weight the journal records); with `rollback`
    /// the candidate's weight goes to 0 and the run ends rolled back. Either way the lease is
    /// released. Call it from a task that is not cancelled. Returns the state the run is left in.
    @discardableResult
    public func interrupt(reason: String, action: Stage.TimeoutAction) async throws -> RunState {
        let state = try currentState()
        guard !state.phase.isTerminal else { return state }
        switch action {
        case .rollback:
            try await rollback(stage: state.activeStage, reason: reason, trigger: "interrupt", numbers: [:])
        case .pause:
            // A weight change the signal cut short may have reached the router without its
            // journal entry: set the weight the journal says once more, so both agree.
            try await reapplyWeight(state)
            if state.phase != .paused { try pause(state.activeStage, reason: reason) }
            try store.write { try $0.releaseLease(target: target, runID: runID) }
        }
        return try currentState()
    }

    /// Applies the run's pending operator commands and nothing else (no traffic, no judging, no
    /// weight re-applied before them): for a `rollback` or `abort` of a run nobody drives, carried
    /// out at once by the process that asked, which may hold only the router's configuration.
    /// Take the lease with ``attach()`` first; it is released at the end.
    @discardableResult
    public func applyPendingCommands() async throws -> RunState {
        var state = try currentState()
        while !state.phase.isTerminal, let (seq, command) = state.pendingCommands.first {
            try await apply(command, seq: seq, state: state)
            state = try currentState()
        }
        try store.write { try $0.releaseLease(target: target, runID: runID) }
        return state
    }
}
