import ArgumentParser
import Foundation
import TollgateEngine
import TollgateStore

/// `tollgate history`: runs recorded in the database, newest first.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List recorded runs, newest first, with status, pipeline, versions, times and outcome."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Show at most this many runs.")
    var limit: Int = 50

    @Flag(help: "Print the runs as JSON.")
    var json = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        let store = try database.openExisting()
        let runs = try RunSummary.load(store: store, limit: limit)
        if json {
            try Output.printJSON(runs)
            return
        }
        if runs.isEmpty {
            Output.line("No runs recorded in \(store.path).")
            return
        }
        let rows = runs.map { run -> [String] in
            let versions = [run.baselineVersion, run.candidateVersion].compactMap { $0 }.joined(separator: " → ")
            return [run.id, run.kind.rawValue, run.name, versions.isEmpty ? "-" : versions, run.status.rawValue,
                    Output.timestamp(run.createdAt), Output.timestamp(run.finishedAt), run.outcome ?? ""]
        }
        Output.line(Output.table(["RUN", "KIND", "NAME", "VERSIONS", "STATUS", "STARTED", "FINISHED", "OUTCOME"], rows))
    }
}
