import ArgumentParser
import Foundation
import TollgateCore
import TollgateEngine
import TollgateStore

/// `tollgate show RUN`: one run and its journal.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a run and its journal of events.",
        discussion: "RUN is a run id as `tollgate history` prints it, or any unique prefix of one."
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The run id or a unique prefix.", valueName: "RUN"))
    var runID: String

    @Flag(help: "Print the run, its stages and its journal as JSON.")
    var json = false

    func run() throws {
        let store = try database.openExisting()
        let overview = try store.overview(of: runID)
        let (run, events, stages) = (overview.run, overview.events, overview.stages)
        let counts = Dictionary(uniqueKeysWithValues: overview.sampleCounts.map { ($0.key.rawValue, $0.value) })
        if json {
            struct Event: Encodable { var seq: Int; var at: Date; var kind: String; var payload: JSONText }
            struct Shown: Encodable {
                var run: Run
                var stages: [StageRecord]
                var samples: [String: Int]
                var events: [Event]
            }
            var shownRun = run
            shownRun.pipelineText = nil
            try Output.printJSON(Shown(run: shownRun, stages: stages, samples: counts,
                                       events: events.map { Event(seq: $0.seq, at: $0.at, kind: $0.kind, payload: JSONText($0.payload)) }))
            return
        }
        Output.line("Run \(run.id)  (\(run.kind.rawValue) \(run.name))")
        Output.line("  status:   \(run.status.rawValue)\(run.outcome.map { " — \($0)" } ?? "")")
        if run.baselineVersion != nil || run.candidateVersion != nil {
            Output.line("  versions: \(run.baselineVersion ?? "?") → \(run.candidateVersion ?? "?")")
        }
        if let path = run.pipelinePath { Output.line("  pipeline: \(path)  sha256 \(run.pipelineSha256?.prefix(12) ?? "-")") }
        Output.line("  started:  \(Output.timestamp(run.createdAt))   finished: \(Output.timestamp(run.finishedAt))")
        if !counts.isEmpty {
            Output.line("  samples:  " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !stages.isEmpty {
            Output.line("\nStages:")
            Output.line(Output.table(["#", "STAGE", "WEIGHT", "STATUS", "STARTED", "FINISHED"], stages.map {
                ["\($0.idx)", $0.name, $0.weight.map { "\($0)%" } ?? "-", $0.status, Output.timestamp($0.startedAt), Output.timestamp($0.finishedAt)]
            }))
        }
        if run.kind == .qualify, let report = try QualificationRecord.report(runID: run.id, in: store) {
            Output.line("\nQualification (\(report.arm) \(report.version)):")
            Output.line(QualifyText.items(report.items))
        }
        Output.line("\nJournal:")
        Output.line(Output.table(["SEQ", "AT", "EVENT", "DETAILS"], events.map {
            ["\($0.seq)", Output.timestamp($0.at), $0.kind, $0.kind == QualificationRecord.eventKind ? "(the qualification above)" : $0.payload]
        }))
    }
}

/// A JSON text embedded as JSON (not as a string) when encoding.
struct JSONText: Encodable {
    let text: String
    init(_ text: String) { self.text = text }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = JSONValue.parse(Data(text.utf8)) {
            try container.encode(value)
        } else {
            try container.encode(text)
        }
    }
}
