public import Foundation
public import Logging
import NIOConcurrencyHelpers
public import TollgateCore
public import TollgateEngine
public import TollgateStore

/// Runs one drift suite once (the real one gathers samples, tests, stores, notifies and rolls back).
public protocol DriftSuiteExecutor: Sendable {
    func execute(_ suite: DriftSuite, at: Date) async throws
}

/// The drift scheduler of `tollgate serve`: runs each suite that has a `schedule:` at its cron
/// times, in its time zone.
///
/// A slot missed while the service was down runs once at start, not once per missed slot (the
/// last start is read from the database). A slot that comes while the previous run of the same
/// suite is still going is skipped and recorded. Everything it does goes to `schedule_events`.
public final class DriftScheduler: Sendable {
    let suites: [DriftSuite]
    let store: RunStore
    let executor: any DriftSuiteExecutor
    let clock: any EngineClock
    let logger: Logger
    private let running = NIOLockedValueBox<Set<String>>([])

    public init(suites: [DriftSuite], store: RunStore, executor: any DriftSuiteExecutor, clock: any EngineClock = SystemEngineClock(),
                logger: Logger = Logger(label: "tollgate.scheduler")) {
        self.suites = suites.filter { $0.schedule != nil }
        self.store = store
        self.executor = executor
        self.clock = clock
        self.logger = logger
    }

    /// How many suites have a schedule.
    public var scheduledCount: Int { suites.count }

    /// Schedules every suite until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for suite in suites {
                group.addTask { await self.loop(suite) }
            }
        }
    }

    /// The first slot to honour for a suite: a slot missed since its last run fires now (once).
    func firstSlot(_ suite: DriftSuite, now: Date) -> (date: Date, caughtUp: Bool)? {
        guard let schedule = suite.schedule else { return nil }
        if let last = try? store.read({ try $0.lastScheduledRun(suite: suite.name) }),
           let missed = schedule.next(after: last), missed <= now {
            return (now, true)
        }
        return schedule.next(after: now).map { ($0, false) }
    }

    func loop(_ suite: DriftSuite) async {
        guard let schedule = suite.schedule, var slot = firstSlot(suite, now: clock.now()) else { return }
        while !Task.isCancelled {
            let wait = slot.date.timeIntervalSince(clock.now())
            if wait > 0 {
                do { try await clock.sleep(for: .milliseconds(Int64(wait * 1000))) } catch { return }
            }
            fire(suite, at: slot.date, caughtUp: slot.caughtUp)
            guard let next = schedule.next(after: max(slot.date, clock.now())) else { return }
            slot = (next, false)
        }
    }

    /// Starts a run of the suite in the background unless one is still going.
    func fire(_ suite: DriftSuite, at date: Date, caughtUp: Bool) {
        guard running.withLockedValue({ $0.insert(suite.name).inserted }) else {
            record(suite, "skipped_overlap", "the run started earlier is still going; slot \(Self.iso(date)) skipped")
            return
        }
        record(suite, caughtUp ? "caught_up" : "started", caughtUp ? "a slot was missed while the service was down; running once now" : "slot \(Self.iso(date))")
        Task {
            defer { _ = running.withLockedValue { $0.remove(suite.name) } }
            do {
                try await executor.execute(suite, at: date)
            } catch {
                logger.error("drift suite \(suite.name) failed: \(error)")
                record(suite, "failed", "\(error)")
            }
        }
    }

    func record(_ suite: DriftSuite, _ kind: String, _ detail: String) {
        let now = clock.now()
        do { try store.write { try $0.recordScheduleEvent(suite: suite.name, kind: kind, detail: detail, at: now) } } catch {
            logger.error("cannot record the scheduler's \(kind) of \(suite.name): \(error)")
        }
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
