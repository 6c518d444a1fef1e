public import Logging
import NIOConcurrencyHelpers
public import TollgateCore
import TollgateStore
public import TollgateTraffic

/// Collects samples from the request path and hands them to a `SampleSink` (TollgateTraffic's,
/// the one replay uses) in batches, off the request path.
///
/// ``submit(_:)`` never waits: it appends under a lock, and when ``capacity`` samples are
/// already waiting the new one is dropped and counted (a slow database must not slow traffic).
/// ``run()`` flushes every ``interval`` until cancelled, then flushes what is left.
public final class SampleBatchWriter: Sendable {
    public let capacity: Int
    public let interval: Duration
    private let sink: any SampleSink
    private let pending = NIOLockedValueBox<[Sample]>([])
    private let counters = NIOLockedValueBox<Counters>(Counters())
    private let logger: Logger

    /// What happened to the samples submitted so far.
    public struct Counters: Sendable, Equatable, Codable {
        public var written = 0
        public var dropped = 0
        public var failedWrites = 0
    }

    public init(capacity: Int = 10_000, interval: Duration = .milliseconds(250), logger: Logger = Logger(label: "tollgate.samples"), sink: any SampleSink) {
        self.capacity = capacity
        self.interval = interval
        self.sink = sink
        self.logger = logger
    }

    /// Queues a sample; returns false when the queue was full and the sample was dropped.
    @discardableResult
    public func submit(_ sample: Sample) -> Bool {
        let accepted = pending.withLockedValue { pending in
            guard pending.count < capacity else { return false }
            pending.append(sample)
            return true
        }
        if !accepted { counters.withLockedValue { $0.dropped += 1 } }
        return accepted
    }

    public var counts: Counters { counters.withLockedValue { $0 } }

    /// Writes everything queued now.
    public func flush() async {
        let batch = pending.withLockedValue { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await sink.write(batch)
            counters.withLockedValue { $0.written += batch.count }
        } catch {
            counters.withLockedValue { $0.failedWrites += batch.count }
            logger.error("Could not write \(batch.count) samples: \(error)")
        }
    }

    /// Flushes every ``interval`` until the task is cancelled, then a last time.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await flush()
        }
        await flush()
    }
}
