public import Foundation
import TollgateCore
public import TollgateStore

/// Operator commands enter a run through its journal: any process may append one, and the
/// engine driving the run applies it at its next step (within one check interval).
public enum OperatorCommands {
    /// Checks that `command` makes sense in the run's current state and appends it.
    /// Throws ``EngineError/commandNotAllowed(command:state:)`` (HTTP 409 in the API) otherwise.
    @discardableResult
    public static func request(_ command: RunEventPayload.Command, runID: String, store: RunStore, now: Date = Date()) throws -> JournalEvent {
        try store.write { tx in
            let run = try tx.run(runID)
            guard run.kind == .rollout else { throw EngineError.notARollout(runID: run.id) }
            if needsReason.contains(command.command), (command.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw EngineError.reasonRequired(command: command.command.rawValue)
            }
            let state = RunState.fold(try tx.events(runID: run.id))
            try allowed(command.command, in: state)
            return try tx.appendEvent(runID: run.id, kind: RunEventKind.command.rawValue, payload: command, at: now)
        }
    }

    /// The commands that change what users get without the judge: journaled only with a reason,
    /// from the CLI, the API and every other source alike.
    public static let needsReason: Set<OperatorCommand> = [.promote, .rollback, .abort]

    /// Throws when the state forbids the command.
    public static func allowed(_ command: OperatorCommand, in state: RunState) throws {
        if state.phase.isTerminal { throw EngineError.commandNotAllowed(command: command.rawValue, state: "already \(state.phase.rawValue)") }
        switch command {
        case .approve, .reject:
            if state.phase != .awaitingApproval {
                throw EngineError.commandNotAllowed(command: command.rawValue, state: "\(state.phase.rawValue), not waiting for approval")
            }
        case .pause:
            if state.phase == .paused { throw EngineError.commandNotAllowed(command: "pause", state: "already paused") }
        case .resume:
            if state.phase != .paused { throw EngineError.commandNotAllowed(command: "resume", state: "\(state.phase.rawValue), not paused") }
        case .rollback, .abort, .promote:
            break
        }
    }
}

extension RolloutEngine {
    /// Applies one pending command (or rejects it when the state changed since it was written).
    func apply(_ request: RunEventPayload.Command, seq: Int, state: RunState) async throws {
        let command = request.command
        let reason = request.reason ?? "\(command.rawValue) by \(request.source)"
        do {
            try OperatorCommands.allowed(command, in: state)
        } catch {
            try journal(.commandRejected, RunEventPayload.CommandHandled(commandSeq: seq, command: command, result: "rejected: \(error)"))
            return
        }
        let stage = state.activeStage
        // The command's `command_applied` event commits with the action it causes, so a crash
        // can neither lose the command nor apply it twice.
        let handled = RunEventPayload.CommandHandled(commandSeq: seq, command: command, result: "applied (\(request.source))")
        switch command {
        case .rollback:
            try await rollback(stage: stage, reason: reason, trigger: "operator:\(request.source)", numbers: [:], details: request.details,
                               applying: handled)
        case .abort:
            let receipt = try await deps.router.setWeight(0)
            try finish(.aborted, stage: stage, reason: reason, trigger: "operator:\(request.source)", numbers: [:], details: request.details,
                       weightReceipt: receipt, applying: handled)
        case .pause:
            try pause(stage, reason: reason, applying: handled)
        case .resume:
            try journal(.resumed, RunEventPayload.Paused(stage: stage, reason: reason), stage: stage, applying: handled) { tx in
                try self.decide("resume", stage: stage, reason: reason, numbers: [:], in: tx)
                try tx.setStatus(runID: self.runID, status: .running, at: self.deps.clock.now())
            }
        case .approve:
            try completeStage(stage ?? state.nextStage, outcome: "approved", reason: reason, numbers: [:], applying: handled)
        case .reject:
            try await rollback(stage: stage, reason: "approval rejected: \(reason)", trigger: "operator:\(request.source)", numbers: [:],
                               applying: handled)
        case .promote:
            try promote(from: state, toFull: request.full ?? false, reason: reason, applying: handled)
        }
    }

    /// Completes the current stage without judgement (and, with `toFull`, every stage up to `full`).
    func promote(from state: RunState, toFull: Bool, reason: String, applying: RunEventPayload.CommandHandled) throws {
        var index = state.activeStage ?? state.nextStage
        var handled: RunEventPayload.CommandHandled? = applying
        if state.phase == .paused {
            try journal(.resumed, RunEventPayload.Paused(stage: state.activeStage, reason: "promoted by operator"), stage: state.activeStage,
                        applying: handled) { tx in
                try tx.setStatus(runID: self.runID, status: .running, at: self.deps.clock.now())
            }
            handled = nil
        }
        repeat {
            guard pipeline.stages.indices.contains(index) else { return }
            if case .full = pipeline.stages[index].kind {
                // The full stage runs normally (weight 100, promoted); record the command if nothing else did.
                if let pending = handled { try journal(.commandApplied, pending) }
                return
            }
            if state.activeStage != index {
                let stage = pipeline.stages[index]
                try journal(.stageStarted, RunEventPayload.StageStarted(stage: index, name: stage.name, kind: stage.kindName, weight: stage.weight),
                            stage: index, applying: handled)
                handled = nil
            }
            try completeStage(index, outcome: "promoted", reason: "operator promoted: \(reason)", numbers: [:], applying: handled)
            handled = nil
            index += 1
        } while toFull
    }
}
