import Foundation
import NIOConcurrencyHelpers

/// A one-way "stop sending" signal (Ctrl-C, a rollback, a test): replay stops dispatching,
/// lets in-flight requests finish within its grace period, and reports what it has.
public final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Raises the signal (idempotent; safe from any thread, including a signal handler's queue).
    public func stop() {
        let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
            guard !s.stopped else { return [] }
            s.stopped = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    public var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// Returns when the signal is raised or the calling task is cancelled.
    public func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { s -> Bool in
                    if s.stopped || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Sleeps until `deadline`; returns false early when the signal is raised.
    func sleep(until deadline: ContinuousClock.Instant) async -> Bool {
        if isStopped { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return false }
                return true
            }
            group.addTask {
                await self.wait()
                return false
            }
            let result = await group.next() ?? false
            group.cancelAll()
            return result && !isStopped
        }
    }
}
