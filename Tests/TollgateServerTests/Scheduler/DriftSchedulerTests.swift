import Foundation
import NIOConcurrencyHelpers
import Testing
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateStore
import TollgateTestSupport

/// A clock whose time moves only when the scheduler sleeps (virtual time), so schedules of
/// minutes and hours are tested in milliseconds.
final class VirtualClock: EngineClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    func now() -> Date { lock.withLock { current } }
    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        lock.withLock { current = current.addingTimeInterval(DurationText.seconds(duration)) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Records the runs it is asked for; each run can be made to last (to test overlaps).
actor RecordingExecutor: DriftSuiteExecutor {
    private(set) var runs: [Date] = []
    let blockFirst: Bool
    private var released = false
    init(blockFirst: Bool) { self.blockFirst = blockFirst }

    func execute(_ suite: DriftSuite, at: Date) async throws {
        runs.append(at)
        if blockFirst, runs.count == 1 {
            while !released { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    func release() { released = true }
}

@Suite struct DriftSchedulerTests {
    static func suite(cron: String) throws -> DriftSuite {
        DriftSuite(name: "nightly", description: nil, api: .chat,
                   target: ModelVersion(version: "live", endpoint: "http://127.0.0.1:9/v1"),
                   reference: .run(id: "x"), current: .recent(window: .seconds(3600)), features: [.ttftMs],
                   alpha: 0.05, correction: .holm, minEffect: [:], psiThreshold: 0.2,
                   schedule: try CronSchedule(cron, timeZone: "UTC"), notifyWebhook: nil, notifyTokenEnv: nil, rollbackPipeline: nil)
    }

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func aSlotMissedWhileDownRunsOnceAtStartNotOncePerSlot() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("s.db"))
        // The last run was 5 hours ago: ten half-hourly slots were missed.
        try store.write { try $0.recordScheduleEvent(suite: "nightly", kind: "started", detail: "earlier", at: Self.date("2026-11-30T05:00:00Z")) }
        let clock = VirtualClock(Self.date("2026-11-30T10:07:00Z"))
        let executor = RecordingExecutor(blockFirst: false)
        let scheduler = DriftScheduler(suites: [try Self.suite(cron: "*/30 * * * *")], store: store, executor: executor, clock: clock)
        let task = Task { await scheduler.run() }
        let enough = await waitUntil(timeout: .seconds(10)) { await executor.runs.count >= 3 }
        task.cancel()
        await task.value
        #expect(enough)
        let runs = await executor.runs
        // Once now (the catch-up), then on the schedule: 10:30, 11:00.
        #expect(runs[0] == Self.date("2026-11-30T10:07:00Z"))
        #expect(runs[1] == Self.date("2026-11-30T10:30:00Z"))
        #expect(runs[2] == Self.date("2026-11-30T11:00:00Z"))
        let kinds = try store.read { try $0.scheduleEvents(suite: "nightly") }.map(\.kind)
        #expect(kinds.filter { $0 == "caught_up" }.count == 1)
    }

    @Test func aSlotThatComesWhileTheLastRunIsGoingIsSkippedAndRecorded() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("s.db"))
        let clock = VirtualClock(Self.date("2026-11-30T10:00:30Z"))
        let executor = RecordingExecutor(blockFirst: true)
        let scheduler = DriftScheduler(suites: [try Self.suite(cron: "* * * * *")], store: store, executor: executor, clock: clock)
        let task = Task { await scheduler.run() }
        let skipped = await waitUntil(timeout: .seconds(10)) {
            ((try? store.read { try $0.scheduleEvents(suite: "nightly") }) ?? []).contains { $0.kind == "skipped_overlap" }
        }
        await executor.release()
        let resumed = await waitUntil(timeout: .seconds(10)) { await executor.runs.count >= 2 }
        task.cancel()
        await task.value
        #expect(skipped)
        #expect(resumed)
        let events = try store.read { try $0.scheduleEvents(suite: "nightly") }
        #expect(events.first?.kind == "started")
        #expect(events.contains { $0.kind == "skipped_overlap" && $0.detail.contains("still going") })
    }

    @Test func suitesWithoutAScheduleAreNotScheduled() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var unscheduled = try Self.suite(cron: "* * * * *")
        unscheduled.schedule = nil
        let scheduler = DriftScheduler(suites: [unscheduled], store: try RunStore(path: folder.path("s.db")),
                                       executor: RecordingExecutor(blockFirst: false))
        #expect(scheduler.scheduledCount == 0)
    }
}
