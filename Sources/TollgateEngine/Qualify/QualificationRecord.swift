import Foundation
public import TollgateCore
public import TollgateStore

/// Where a qualification lives in the run history: a run of kind `qualify` whose journal holds the
/// whole ``QualificationReport`` as its `qualify.report` event.
public enum QualificationRecord {
    /// The journal event kind of the report.
    public static let eventKind = RunKind.qualificationReportEvent

    /// Creates the `qualify` run measuring `pipeline`'s version `arm` (the file at `path`, whose
    /// text is the run's snapshot; the version's endpoint is the run's target).
    public static func start(_ pipeline: Pipeline, path: String, text: String, arm: Arm, in store: RunStore) throws -> RunRecording {
        let measured = arm == .candidate ? pipeline.model.candidate : pipeline.model.baseline
        return try RunRecording.start(NewRun(kind: .qualify, name: pipeline.name, target: measured.endpoint, pipelinePath: path,
                                             pipelineText: text, baselineVersion: arm == .baseline ? measured.version : nil,
                                             candidateVersion: arm == .candidate ? measured.version : nil,
                                             retention: pipeline.security.retention), in: store)
    }

    /// Appends the report to `run` and ends the run: `completed` when every measured item is within
    /// its objective, with the failures named in the outcome otherwise.
    public static func save(_ report: QualificationReport, run: Run, in store: RunStore) throws {
        let failures = report.failures.map(\.id)
        try store.write { tx in
            _ = try tx.appendEvent(runID: run.id, kind: eventKind, payload: report)
            try tx.setStatus(runID: run.id, status: .completed,
                             outcome: failures.isEmpty ? "every measured item within its objective"
                                 : "outside objective: " + failures.joined(separator: ", "))
        }
    }

    /// The report of run `id` (a qualify run), or nil when it has none (it failed or still runs).
    public static func report(runID id: String, in store: RunStore) throws -> QualificationReport? {
        guard let event = try store.events(runID: id).last(where: { $0.kind == eventKind }) else { return nil }
        return try event.payload(as: QualificationReport.self)
    }

    /// The newest finished qualification of the pipeline named `pipeline`.
    public static func latest(pipeline: String, in store: RunStore) throws -> (Run, QualificationReport)? {
        for run in try store.runs(kinds: [.qualify]) where run.name == pipeline {
            if let report = try report(runID: run.id, in: store) { return (run, report) }
        }
        return nil
    }
}
