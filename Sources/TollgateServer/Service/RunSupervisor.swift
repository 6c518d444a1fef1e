import Foundation
import Logging
import NIOConcurrencyHelpers
import TollgateCore
import TollgateEngine
import TollgateStore

/// Drives the rollouts that no live process drives: runs left in progress by a crashed or
/// killed `tollgate rollout start`, and runs started with `--detach`. Each is resumed from its
/// journal (the engine's `attach` + `drive`) in its own task.
final class RunSupervisor: Sendable {
    let store: RunStore
    let logger: Logger
    private let driving = NIOLockedValueBox<Set<String>>([])
    /// Runs that could not be driven, and when to try again (a missing secret is not fixed in a second).
    private let retryAfter = NIOLockedValueBox<[String: Date]>([:])

    init(store: RunStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Looks for orphaned runs every `interval` until cancelled; when cancelled, stops the runs it
    /// drives at their next step (each step's journal writes are transactions, so nothing is half-done).
    func run(every interval: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                for run in orphans() {
                    group.addTask { await self.drive(run) }
                }
                try? await Task.sleep(for: interval)
            }
            group.cancelAll()
        }
    }

    /// Active rollouts nobody drives (``RolloutEngine/driver(of:lease:now:)``): no lease, an
    /// expired one, or one held by a process that is gone.
    func orphans() -> [Run] {
        let now = Date()
        let candidates = (try? store.read { tx -> [Run] in
            try tx.runs(statuses: [.running, .paused, .awaitingApproval], kinds: [.rollout]).filter { run in
                guard run.target != nil else { return false }
                return try RolloutEngine.driver(of: run, in: tx, now: now) == .nobody
            }
        }) ?? []
        let waiting = retryAfter.withLockedValue { $0 }
        return candidates.filter { run in
            if let until = waiting[run.id], until > now { return false }
            return driving.withLockedValue { $0.insert(run.id).inserted }
        }
    }

    func drive(_ run: Run) async {
        defer { _ = driving.withLockedValue { $0.remove(run.id) } }
        do {
            let pipeline = try RolloutEngine.pipeline(of: run)
            let assembly = try RolloutAssembly(pipeline: pipeline, store: store)
            defer { assembly.shutdown() }
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: try assembly.dependencies(onProgress: nil))
            try engine.attach()
            logger.info("driving run \(run.id) (\(pipeline.name))")
            let state = try await engine.drive()
            logger.info("run \(run.id) ended: \(state.phase.rawValue)")
        } catch is CancellationError {
            logger.info("stopped driving run \(run.id); it resumes where it stopped")
        } catch {
            logger.error("cannot drive run \(run.id): \(error); trying again in 30 s")
            retryAfter.withLockedValue { $0[run.id] = Date().addingTimeInterval(30) }
        }
    }
}
