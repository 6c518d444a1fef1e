public import TollgateCore
public import TollgateStore
public import TollgateTraffic

/// A `SampleSink` that inserts each batch into a run of the SQLite run store, in one transaction:
/// what replays, shadows, rollout stages and the gateway write their samples through.
public struct RunStoreSampleSink: SampleSink {
    public let store: RunStore
    public let runID: String
    /// The stage index the samples belong to, or `nil` outside a staged rollout.
    public let stage: Int?
    /// What of each answer is stored (the pipeline's `security.logging`; redacted by default).
    public let text: StoredTextPolicy

    public init(store: RunStore, runID: String, stage: Int? = nil, text: StoredTextPolicy = .standard) {
        self.store = store
        self.runID = runID
        self.stage = stage
        self.text = text
    }

    public func write(_ batch: [Sample]) async throws {
        try store.insertSamples(batch, runID: runID, stage: stage, text: text)
    }
}
