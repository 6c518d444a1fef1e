public import Logging
import TollgateCore
public import TollgateEngine
public import TollgateStore

/// `tollgate serve`'s retention: prunes expired text and samples at start and then every
/// ``every``, on the injected clock (so tests drive days in milliseconds). Each prune works in
/// small batches, so a rollout writing samples at the same time waits for one batch at most.
public struct RetentionSchedule: Sendable {
    public let store: RunStore
    public let every: Duration
    /// The window for runs whose pipeline sets no `security.logging.retention`.
    public let retention: Duration?
    let clock: any EngineClock
    let logger: Logger

    public init(store: RunStore, every: Duration, retention: Duration?, clock: any EngineClock = SystemEngineClock(),
                logger: Logger = Logger(label: "tollgate.retention")) {
        self.store = store
        self.every = every
        self.retention = retention
        self.clock = clock
        self.logger = logger
    }

    /// One prune, now (by the clock); failures are logged, not thrown: the next one tries again.
    @discardableResult
    public func pruneOnce() -> PruneReport? {
        do {
            let report = try store.prune(PruneRequest(defaultRetention: retention, now: clock.now()))
            if report.totalRows > 0 {
                logger.info("Pruned \(report.totalRows) expired rows: \(report.counts.map { "\($0.table) \($0.action) \($0.rows)" }.joined(separator: ", "))")
            }
            return report
        } catch {
            logger.error("Pruning failed (will try again in \(DurationText.format(every))): \(error)")
            return nil
        }
    }

    /// Prunes now and after every ``every`` until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            pruneOnce()
            do { try await clock.sleep(for: every) } catch { return }
        }
    }
}
