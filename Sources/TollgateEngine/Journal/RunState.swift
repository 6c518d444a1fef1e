public import Foundation
public import TollgateStore

/// A run's state as its journal says it is: the engine folds the events to know where to
/// continue after a crash, and other processes fold them to show status.
public struct RunState: Sendable, Equatable {
    /// Where the run is: the store's ``RunStatus`` (a rollout is `created` until its first
    /// transition and never `completed`, which ends the measuring runs).
    public typealias Phase = RunStatus

    public var phase: Phase = .created
    /// The stage in progress (started and not completed), if any.
    public var activeStage: Int?
    /// Stages completed, in order.
    public var completedStages: [Int] = []
    /// When each started stage started.
    public var stageStartedAt: [Int: Date] = [:]
    /// The weight last set on the router.
    public var weight: Int?
    /// Checks made per stage.
    public var looks: [Int: Int] = [:]
    /// Per stage, the samples per arm (the smaller arm) at each check: the looks of the stage's
    /// group-sequential test, so a resumed stage recomputes its boundaries for the looks it took.
    public var lookSizes: [Int: [Int]] = [:]
    /// For each rule id, how many of the latest checks in a row breached it.
    public var consecutiveBreaches: [String: Int] = [:]
    /// Operator commands not yet handled, in order (sequence number, command).
    public var pendingCommands: [(seq: Int, command: RunEventPayload.Command)] = []
    /// The last sequence number seen.
    public var lastSeq: Int = 0
    /// Why the run ended, when it has.
    public var finish: RunEventPayload.Finished?
    /// What the run is paused for, when paused.
    public var pauseReason: String?
    public var lastCheck: RunEventPayload.Check?
    /// The latest quality evaluation of each eval suite.
    public var quality: [String: RunEventPayload.QualityEvaluated] = [:]

    public static func == (lhs: RunState, rhs: RunState) -> Bool {
        lhs.phase == rhs.phase && lhs.activeStage == rhs.activeStage && lhs.completedStages == rhs.completedStages
            && lhs.weight == rhs.weight && lhs.looks == rhs.looks && lhs.lastSeq == rhs.lastSeq
            && lhs.pendingCommands.map(\.seq) == rhs.pendingCommands.map(\.seq)
    }

    /// The index of the next stage to start: after the last completed one.
    public var nextStage: Int { (completedStages.max() ?? -1) + 1 }

    /// Folds a run's journal, in order.
    public static func fold(_ events: [JournalEvent]) -> RunState {
        var state = RunState()
        func decode<T: Decodable>(_ type: T.Type, _ event: JournalEvent) -> T? { try? event.payload(as: type) }
        for event in events {
            state.lastSeq = event.seq
            guard let kind = RunEventKind(rawValue: event.kind) else { continue }
            switch kind {
            case .runCreated, .leaseTaken, .note, .notification:
                break
            case .qualityEvaluated:
                if let p = decode(RunEventPayload.QualityEvaluated.self, event) { state.quality[p.suite] = p }
            case .runStarted:
                if state.phase == .created { state.phase = .running }
            case .stageStarted:
                if let p = decode(RunEventPayload.StageStarted.self, event) {
                    state.activeStage = p.stage
                    state.stageStartedAt[p.stage] = event.at
                    state.consecutiveBreaches = [:]
                    if state.phase == .awaitingApproval { state.phase = .running }
                }
            case .weightSet:
                if let p = decode(RunEventPayload.WeightSet.self, event) { state.weight = p.weight }
            case .check:
                if let p = decode(RunEventPayload.Check.self, event) {
                    state.looks[p.stage, default: 0] += 1
                    state.lookSizes[p.stage, default: []].append(min(p.baselineSamples, p.candidateSamples))
                    var next: [String: Int] = [:]
                    for rule in p.breaches { next[rule] = (state.consecutiveBreaches[rule] ?? 0) + 1 }
                    for rule in p.unmeasured ?? [] { next[rule] = state.consecutiveBreaches[rule] }
                    state.consecutiveBreaches = next
                    state.lastCheck = p
                }
            case .stageCompleted:
                if let p = decode(RunEventPayload.StageCompleted.self, event) {
                    if !state.completedStages.contains(p.stage) { state.completedStages.append(p.stage) }
                    if state.activeStage == p.stage { state.activeStage = nil }
                    if state.phase == .awaitingApproval { state.phase = .running }
                }
            case .awaitingApproval:
                if !state.phase.isTerminal { state.phase = .awaitingApproval }
            case .command:
                if let p = decode(RunEventPayload.Command.self, event) { state.pendingCommands.append((event.seq, p)) }
            case .commandApplied, .commandRejected:
                if let p = decode(RunEventPayload.CommandHandled.self, event) {
                    state.pendingCommands.removeAll { $0.seq == p.commandSeq }
                }
            case .paused:
                if !state.phase.isTerminal {
                    state.phase = .paused
                    state.pauseReason = decode(RunEventPayload.Paused.self, event)?.reason
                }
            case .resumed:
                if state.phase == .paused {
                    state.phase = .running
                    state.pauseReason = nil
                }
            case .rolledBack:
                state.phase = .rolledBack
                state.finish = decode(RunEventPayload.Finished.self, event)
            case .promoted:
                state.phase = .promoted
                state.finish = decode(RunEventPayload.Finished.self, event)
            case .aborted:
                state.phase = .aborted
                state.finish = decode(RunEventPayload.Finished.self, event)
            case .failed:
                state.phase = .failed
                state.finish = decode(RunEventPayload.Finished.self, event)
            }
        }
        return state
    }
}
