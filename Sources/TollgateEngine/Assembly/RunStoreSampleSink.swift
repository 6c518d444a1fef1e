import TollgateCore
import TollgateStore
import TollgateTraffic

/// A `SampleSink` that inserts each batch into a run of the SQLite run store, in one transaction:
/// what replays, shadows, rollout stages and the gateway write their samples through.
public struct RunStoreSampleSink: SampleSink {
    public let store: RunStore
    public let runID: String
    /// The stage index the samples belong to, or `nil` outside a staged rollout.
    public let stage: Int?

    public init(store: RunStore, runID: String, stage: Int? = nil) {
        self.store = store
        self.runID = runID
        self.stage = stage
    }

    public func write(_ batch: [Sample]) async throws {
        try store.insertSamples(batch, runID: runID, stage: stage)
    }
}
