import Foundation
import NIOConcurrencyHelpers

/// The runtime side of ``SimulatorProfile/Serving``: whether the server is ready yet, how many
/// requests have been served since (for the warmup curve), and the slots and queue of the capacity
/// model. Shared by every connection; its state is behind a lock.
final class ServingGate: Sendable {
    let serving: SimulatorProfile.Serving
    private let readyAt: ContinuousClock.Instant
    private let state = NIOLockedValueBox(State())

    private struct State {
        var served = 0
        var active = 0
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    init(serving: SimulatorProfile.Serving, startedAt: ContinuousClock.Instant = .now) {
        self.serving = serving
        readyAt = startedAt.advanced(by: .microseconds(Int64(serving.coldStartMs * 1000)))
    }

    /// Whether the cold start has passed.
    var isReady: Bool { ContinuousClock.now >= readyAt }

    /// Counts one generation request and returns the factor its prefill is multiplied by
    /// (``SimulatorProfile/Serving/warmupFactor`` for the first `warmupRequests`, else 1).
    func nextPrefillScale() -> Double {
        let index = state.withLockedValue { s -> Int in
            defer { s.served += 1 }
            return s.served
        }
        return index < serving.warmupRequests ? serving.warmupFactor : 1
    }

    /// A slot to serve one request, waiting in the queue while every slot is taken; `nil` when the
    /// queue is full (the caller answers 429). The slot is given back when the lease is released.
    func acquire() async -> Lease? {
        guard let capacity = serving.capacity else { return Lease(gate: nil) }
        // One locked decision: take a free slot, refuse (queue full), or join the queue.
        let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            enum Admission { case now, refuse, queued }
            let admission = state.withLockedValue { s -> Admission in
                if s.active < capacity {
                    s.active += 1
                    return .now
                }
                if let limit = serving.queueLimit, s.waiting.count >= limit { return .refuse }
                s.waiting.append(continuation)
                return .queued
            }
            switch admission {
            case .now: continuation.resume(returning: true)
            case .refuse: continuation.resume(returning: false)
            case .queued: break // resumed with true by release()
            }
        }
        return admitted ? Lease(gate: self) : nil
    }

    /// Gives a slot back: to the longest-waiting request, else to the pool.
    fileprivate func release() {
        let next = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
            if s.waiting.isEmpty {
                s.active -= 1
                return nil
            }
            return s.waiting.removeFirst() // the slot passes to it; `active` stays
        }
        next?.resume(returning: true)
    }

    /// One served request's slot, given back when the lease is deallocated: the response (or the
    /// streaming body that captures it) is done, however it ended.
    final class Lease: Sendable {
        private let gate: ServingGate?
        fileprivate init(gate: ServingGate?) { self.gate = gate }
        deinit { gate?.release() }
    }
}
