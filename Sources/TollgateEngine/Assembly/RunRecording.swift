import Foundation
import TollgateCore
public import TollgateStore
public import TollgateTraffic

/// A measuring session recorded as a run of the store: a replay, or a gateway session. Created
/// when the session starts, its samples written through ``sink``, its status set when it ends.
/// `tollgate replay`, `tollgate gateway` and the demo's gateway record through it.
///
/// ```swift
/// let recording = try RunRecording.start(NewRun(kind: .replay, name: "nightly"), in: store)
/// let report = try await ReplayRunner(targets: targets, configuration: c, sink: recording.sink).run(trafficPath: path)
/// try recording.finish(report)
/// ```
public struct RunRecording: Sendable {
    public let store: RunStore
    public let run: Run

    /// Creates the run.
    public static func start(_ newRun: NewRun, in store: RunStore) throws -> RunRecording {
        RunRecording(store: store, run: try store.createRun(newRun))
    }

    /// Where the session's samples go: the run's samples.
    public var sink: RunStoreSampleSink { RunStoreSampleSink(store: store, runID: run.id) }

    /// Ends a replay: its report as the `replay.report` event, and the status `aborted` when it was
    /// interrupted, else `completed`, in one transaction.
    public func finish(_ report: ReplayReport) throws {
        try store.write { tx in
            _ = try tx.appendEvent(runID: run.id, kind: "replay.report", payload: report)
            try tx.setStatus(runID: run.id, status: report.interrupted ? .aborted : .completed,
                             outcome: report.interrupted ? "interrupted" : "\(report.dispatched) request(s) replayed")
        }
    }

    /// Ends a session that stopped normally (a gateway shut down): status `completed`.
    public func complete() throws {
        try store.write { try $0.setStatus(runID: run.id, status: .completed) }
    }

    /// Ends a session that failed: status `failed`, with the error as its outcome. Best effort: the
    /// error being reported matters more than a failure to record it.
    public func fail(_ error: any Error) {
        _ = try? store.write { try $0.setStatus(runID: run.id, status: .failed, outcome: "\(error)") }
    }
}
