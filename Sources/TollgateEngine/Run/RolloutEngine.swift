public import Foundation
public import TollgateCore
public import TollgateStore

/// What the engine needs besides the store and the pipeline: the router, the traffic source,
/// the judge and the clock (all seams, so tests can drive them).
public struct RolloutDependencies: Sendable {
    public var router: any TrafficRouter
    public var traffic: any StageTrafficSource
    public var judge: any StageJudge
    /// Runs eval suites; `nil` when the pipeline names none.
    public var quality: (any QualityEvaluator)?
    public var clock: any EngineClock
    /// How often the engine looks at the journal while it waits (approval, pause, traffic).
    public var pollInterval: Duration
    /// How long a lease lasts without a heartbeat.
    public var leaseTTL: TimeInterval
    /// `host:pid` of this process.
    public var owner: String
    /// Called after every journal event the engine writes, for live progress.
    public var onProgress: (@Sendable (RunProgress) -> Void)?
    /// Tells the pipeline's `notify:` webhooks about stage events, without waiting for them.
    public var notifier: RunNotifier?
    /// Where canary checks read their metrics (the pipeline's `metrics_source`); nil reads Tollgate's samples.
    public var metricSource: (any MetricSource)?

    public init(router: any TrafficRouter, traffic: any StageTrafficSource, judge: any StageJudge,
                quality: (any QualityEvaluator)? = nil,
                clock: any EngineClock = SystemEngineClock(), pollInterval: Duration = .milliseconds(200),
                leaseTTL: TimeInterval = 30, owner: String = RolloutDependencies.defaultOwner,
                onProgress: (@Sendable (RunProgress) -> Void)? = nil, notifier: RunNotifier? = nil,
                metricSource: (any MetricSource)? = nil) {
        self.notifier = notifier
        self.metricSource = metricSource
        self.router = router
        self.traffic = traffic
        self.judge = judge
        self.quality = quality
        self.clock = clock
        self.pollInterval = pollInterval
        self.leaseTTL = leaseTTL
        self.owner = owner
        self.onProgress = onProgress
    }

    /// `hostname:pid`.
    public static var defaultOwner: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// A snapshot of a run for progress displays: where it is and what the judge last said.
public struct RunProgress: Sendable {
    public var runID: String
    public var event: String
    public var message: String
    public var stageName: String?
    public var weight: Int?
    public var baselineSamples: Int
    public var candidateSamples: Int
    public var verdict: StageVerdict?
}

/// Drives one rollout run through its stages: the only writer of the run's state.
///
/// Every transition is one transaction on the run's journal; router actions are idempotent
/// (set weight W), so after a crash ``drive(returnWhenWaiting:)`` reads the journal, re-applies
/// the recorded weight, keeps the samples already collected and continues the current stage.
public final class RolloutEngine: Sendable {
    public let store: RunStore
    public let runID: String
    public let pipeline: Pipeline
    let deps: RolloutDependencies
    let rules: RollbackRuleEvaluator

    /// The lease's key: one active run per model.
    public var target: String { pipeline.model.name }

    public init(store: RunStore, runID: String, pipeline: Pipeline, dependencies: RolloutDependencies) {
        self.store = store
        self.runID = runID
        self.pipeline = pipeline
        self.deps = dependencies
        self.rules = RollbackRuleEvaluator(rules: pipeline.rollback.rules, objectives: pipeline.objectives)
    }

    // MARK: Creating and attaching

    /// Creates a run of the pipeline at `path` (its text is snapshotted with the run) and takes
    /// the target's lease in the same transaction; refused when another run holds it.
    public static func createRun(pipelinePath: String, pipeline: Pipeline, store: RunStore, owner: String = RolloutDependencies.defaultOwner,
                                 leaseTTL: TimeInterval = 30, now: Date = Date()) throws -> Run {
        let text = try String(contentsOfFile: pipelinePath, encoding: .utf8)
        return try store.write { tx in
            let run = try tx.createRun(NewRun(kind: .rollout, name: pipeline.name, target: pipeline.model.name,
                                              pipelinePath: URL(fileURLWithPath: pipelinePath).standardizedFileURL.path,
                                              pipelineText: text, baselineVersion: pipeline.model.baseline.version,
                                              candidateVersion: pipeline.model.candidate.version,
                                              retention: pipeline.security.retention), at: now)
            switch try tx.acquireLease(target: pipeline.model.name, runID: run.id, owner: owner, ttl: leaseTTL, now: now) {
            case .heldByOther(let lease):
                throw EngineError.targetBusy(target: lease.target, runID: lease.runId, owner: lease.owner,
                                             expiresIn: lease.expiresAt.timeIntervalSince(now))
            case .acquired:
                try tx.appendEvent(runID: run.id, kind: RunEventKind.runStarted.rawValue, payload: RunEventPayload.RunStarted(
                    pipeline: pipeline.name, target: pipeline.model.name, owner: owner, stages: pipeline.stages.map(\.name)), at: now)
                try tx.appendEvent(runID: run.id, kind: RunEventKind.leaseTaken.rawValue,
                                   payload: RunEventPayload.LeaseTaken(owner: owner, tookOverFrom: nil), at: now)
            }
            return run
        }
    }

    /// The pipeline a run was started with, from its snapshot.
    public static func pipeline(of run: Run) throws -> Pipeline {
        guard run.kind == .rollout else { throw EngineError.notARollout(runID: run.id) }
        guard let text = run.pipelineText else { throw EngineError.badSnapshot(runID: run.id, message: "the run has no pipeline snapshot") }
        do {
            return try DocumentLoader.loadPipeline(text: text, path: run.pipelinePath ?? "pipeline.yaml")
        } catch {
            throw EngineError.badSnapshot(runID: run.id, message: error.description)
        }
    }

    /// Takes (or takes over, when expired) the lease for an existing run, before driving it.
    public func attach() throws {
        let now = deps.clock.now()
        try store.write { tx in
            let run = try tx.run(runID)
            let state = RunState.fold(try tx.events(runID: runID))
            if state.phase.isTerminal { throw EngineError.runFinished(runID: run.id, status: state.phase.rawValue) }
            switch try tx.acquireLease(target: target, runID: runID, owner: deps.owner, ttl: deps.leaseTTL, now: now,
                                       ownerIsGone: Self.ownerIsGone) {
            case .heldByOther(let lease):
                throw EngineError.targetBusy(target: lease.target, runID: lease.runId, owner: lease.owner,
                                             expiresIn: lease.expiresAt.timeIntervalSince(now))
            case .acquired(_, let previous):
                try tx.appendEvent(runID: runID, kind: RunEventKind.leaseTaken.rawValue,
                                   payload: RunEventPayload.LeaseTaken(owner: deps.owner, tookOverFrom: previous), at: now)
            }
        }
    }

    /// Who drives a run, as far as the database and this host can tell.
    public enum Driver: Sendable, Equatable {
        /// A live process holds the run's lease (`host:pid`): it applies operator commands.
        case process(owner: String)
        /// Another run holds the lease of this run's target (alive or not, that run is settled
        /// first), so nobody drives this one.
        case targetBusy(runID: String, owner: String)
        /// Nobody: no lease, or the run's own lease expired or its owner process is gone.
        case nobody
    }

    /// The one rule for "is anybody driving this run", shared by `rollout rollback/abort` (which
    /// apply the command themselves when nobody does) and the supervisor of `tollgate serve`
    /// (which drives runs nobody drives): the run's lease counts only while it is unexpired and
    /// its owner process still exists.
    public static func driver(of run: Run, lease: Lease?, now: Date = Date()) -> Driver {
        guard let lease else { return .nobody }
        guard lease.runId == run.id else { return .targetBusy(runID: lease.runId, owner: lease.owner) }
        return lease.expiresAt > now && !ownerIsGone(lease.owner) ? .process(owner: lease.owner) : .nobody
    }

    /// ``driver(of:lease:now:)`` with the lease read in `tx`.
    public static func driver(of run: Run, in tx: StoreTransaction, now: Date = Date()) throws -> Driver {
        try driver(of: run, lease: run.target.map { try tx.lease(target: $0) } ?? nil, now: now)
    }

    /// Whether a lease owner (`host:pid`) is a process of this host that no longer runs: its
    /// lease can be taken over at once instead of waiting for it to expire (a killed `rollout start`).
    public static func ownerIsGone(_ owner: String) -> Bool {
        guard let colon = owner.lastIndex(of: ":"), let pid = Int32(owner[owner.index(after: colon)...]),
              String(owner[..<colon]) == ProcessInfo.processInfo.hostName, pid > 0 else { return false }
        if pid == ProcessInfo.processInfo.processIdentifier { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    // MARK: Driving

    /// Drives the run until it ends, or, with `returnWhenWaiting`, until it pauses or waits for
    /// approval. Returns the state it stopped in.
    @discardableResult
    public func drive(returnWhenWaiting: Bool = false) async throws -> RunState {
        var reappliedWeight = false
        while true {
            try Task.checkCancellation()
            var state = try currentState()
            if state.phase.isTerminal {
                try store.write { try $0.releaseLease(target: target, runID: runID) }
                await deps.notifier?.waitForDeliveries()
                return state
            }
            guard try store.write({ try $0.renewLease(target: target, runID: runID, owner: deps.owner, ttl: deps.leaseTTL, now: deps.clock.now()) }) else {
                throw EngineError.leaseLost(target: target)
            }
            // Operator commands first: a queued rollback must not wait for the canary weight to be
            // set again (a slow router) only to be undone.
            if let (seq, command) = state.pendingCommands.first {
                try await apply(command, seq: seq, state: state)
                continue
            }
            if !reappliedWeight {
                // After a crash the router may not hold what the journal says: set it again.
                try await reapplyWeight(state)
                reappliedWeight = true
                state = try currentState()
            }
            switch state.phase {
            case .paused, .awaitingApproval:
                if returnWhenWaiting {
                    try store.write { try $0.releaseLease(target: target, runID: runID) }
                    return state
                }
                try await deps.clock.sleep(for: deps.pollInterval)
                continue
            case .created, .running:
                break
            case .promoted, .rolledBack, .aborted, .failed, .completed:
                continue
            }
            let index = state.activeStage ?? state.nextStage
            guard pipeline.stages.indices.contains(index) else {
                try finish(.promoted, stage: nil, reason: "every stage completed", trigger: "stages", numbers: [:])
                continue
            }
            if state.activeStage == nil {
                try await startStage(index)
                continue
            }
            try await step(stage: index, state: state)
        }
    }

    func currentState() throws -> RunState {
        RunState.fold(try store.events(runID: runID))
    }

    // MARK: Journal helpers

    @discardableResult
    /// Appends an event (with `extra` writes, and the handling of the operator command that
    /// caused it) in one transaction, then reports progress.
    func journal<P: Encodable>(_ kind: RunEventKind, _ payload: P, stage: Int? = nil, applying: RunEventPayload.CommandHandled? = nil,
                               _ extra: ((StoreTransaction) throws -> Void)? = nil) throws -> JournalEvent {
        let now = deps.clock.now()
        let event = try store.write { tx -> JournalEvent in
            if let applying {
                try tx.appendEvent(runID: runID, kind: RunEventKind.commandApplied.rawValue, payload: applying, at: now)
            }
            try extra?(tx)
            return try tx.appendEvent(runID: runID, kind: kind.rawValue, payload: payload, at: now)
        }
        report(kind.rawValue, message: describe(kind, payload), stage: stage)
        deps.notifier?.announce(kind, payload, runID: runID, pipeline: pipeline, at: now)
        return event
    }

    func report(_ event: String, message: String, stage: Int?, verdict: StageVerdict? = nil) {
        guard let onProgress = deps.onProgress else { return }
        let counts = (try? store.read { try $0.sampleCounts(runID: runID, stage: stage) }) ?? [:]
        let state = try? currentState()
        onProgress(RunProgress(runID: runID, event: event, message: message,
                               stageName: stage.flatMap { pipeline.stages.indices.contains($0) ? pipeline.stages[$0].name : nil },
                               weight: state?.weight, baselineSamples: counts[.baseline] ?? 0,
                               candidateSamples: counts[.candidate] ?? 0, verdict: verdict))
    }

    func describe<P: Encodable>(_ kind: RunEventKind, _ payload: P) -> String {
        switch payload {
        case let p as RunEventPayload.StageStarted: return "stage \(p.name) started" + (p.weight.map { " (candidate weight \($0)%)" } ?? "")
        case let p as RunEventPayload.WeightSet: return "router set candidate weight to \(p.weight)%"
        case let p as RunEventPayload.StageCompleted: return "stage \(pipeline.stages[p.stage].name) \(p.outcome): \(p.reason)"
        case let p as RunEventPayload.Finished: return "\(kind.rawValue.replacingOccurrences(of: "_", with: " ")): \(p.reason)"
        case let p as RunEventPayload.Paused: return "paused: \(p.reason)"
        case let p as RunEventPayload.AwaitingApproval: return "waiting for approval" + (p.note.map { ": \($0)" } ?? "") + " — `tollgate rollout approve \(runID)`"
        case let p as RunEventPayload.CommandHandled: return "\(p.command.rawValue) \(p.result)"
        default: return kind.rawValue.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// Records a decision row with the event that carries it, in one transaction.
    func decide(_ action: String, stage: Int?, reason: String, numbers: [String: Double], in tx: StoreTransaction) throws {
        try tx.insertDecision(StoredDecision(runId: runID, stage: stage, at: deps.clock.now(), action: action, reason: reason,
                                             payload: try jsonText(numbers)))
    }

    func jsonText(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
