import Foundation
public import TollgateCore
public import TollgateStore

/// A rollout made ready to drive in this process: its run, the engine with the dependencies
/// its pipeline describes, and what they hold (one HTTP client), released by ``shutdown()``.
/// `tollgate rollout start` and `resume` build one; the command line only prints and exits.
public final class PreparedRollout: Sendable {
    public let run: Run
    public let pipeline: Pipeline
    public let engine: RolloutEngine
    private let assembly: RolloutAssembly

    init(run: Run, pipeline: Pipeline, engine: RolloutEngine, assembly: RolloutAssembly) {
        self.run = run
        self.pipeline = pipeline
        self.engine = engine
        self.assembly = assembly
    }

    /// Checks everything a run of `pipeline` needs (``RolloutAssembly/preflight()``: API keys,
    /// tokens, the traffic file, a router that answers) before the run exists, then creates it:
    /// a start that cannot work leaves no run behind.
    public static func start(pipelinePath: String, pipeline: Pipeline, store: RunStore,
                             onProgress: (@Sendable (RunProgress) -> Void)?) async throws -> PreparedRollout {
        let assembly = try RolloutAssembly(pipeline: pipeline, store: store)
        do {
            try await assembly.preflight()
            let dependencies = try assembly.dependencies(onProgress: onProgress)
            let run = try RolloutEngine.createRun(pipelinePath: pipelinePath, pipeline: pipeline, store: store)
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: dependencies)
            return PreparedRollout(run: run, pipeline: pipeline, engine: engine, assembly: assembly)
        } catch {
            assembly.shutdown()
            throw error
        }
    }

    /// What ``resume(_:store:source:onProgress:)`` found.
    public enum Resumption: Sendable {
        /// Ready to drive; the state the run was in.
        case ready(PreparedRollout, RunState)
        /// The run has already ended: nothing to resume (`message` says how it ended).
        case finished(RunState, message: String)
    }

    /// Makes a stored run ready to continue from its journal: a paused run gets a `resume`
    /// command (unless one is pending), and the engine attaches to the run (takes its lease).
    public static func resume(_ run: Run, store: RunStore, source: String,
                              onProgress: (@Sendable (RunProgress) -> Void)?) throws -> Resumption {
        let pipeline = try RolloutEngine.pipeline(of: run)
        let state = RunState.fold(try store.events(runID: run.id))
        if state.phase == .paused, !state.pendingCommands.contains(where: { $0.command.command == .resume }) {
            try OperatorCommands.request(.init(command: .resume, source: source), runID: run.id, store: store)
        }
        let assembly = try RolloutAssembly(pipeline: pipeline, store: store)
        do {
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline,
                                       dependencies: try assembly.dependencies(onProgress: onProgress))
            try engine.attach()
            return .ready(PreparedRollout(run: run, pipeline: pipeline, engine: engine, assembly: assembly), state)
        } catch let error as EngineError {
            assembly.shutdown()
            guard case .runFinished = error else { throw error }
            return .finished(state, message: error.description)
        } catch {
            assembly.shutdown()
            throw error
        }
    }

    /// Releases the HTTP client.
    public func shutdown() {
        assembly.shutdown()
    }
}
