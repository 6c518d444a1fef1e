import ArgumentParser
import Foundation
import TollgateCore
import TollgateStore

/// `tollgate prune`: deletes expired samples and texts, journals what went, shrinks the file.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete expired samples and stored texts (answers, eval answers, alert bodies) and shrink the database.",
        discussion: """
        A run's window is its pipeline's security.logging.retention, else --retention / $TOLLGATE_RETENTION;
        --older-than overrides both for every run. Samples that started before the window are deleted,
        eval answers of runs created before it are cleared, and alert bodies received before it are
        emptied; runs, their journals, verdicts and decisions (the audit trail) stay unless --all, which
        deletes whole finished runs and old alerts, drift results, schedule and audit events. Active runs
        are never touched. Work is done in small transactions, so a running rollout is never held up
        for long; what was removed is journaled (table prune_log), then the file is vacuumed.
        """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var retentionOptions: RetentionOptions

    @Option(help: ArgumentHelp("Remove what is older than this for every run, whatever its own retention (e.g. 30d).", valueName: "DURATION"))
    var olderThan: String?

    @Flag(help: "Also delete whole finished runs (journal, verdicts, decisions) and old alerts, drift results and audit events.")
    var all = false

    @Flag(help: "Count what would be removed; change nothing.")
    var dryRun = false

    @Option(help: "Rows per transaction.")
    var batchSize = 500

    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        if let olderThan, DurationText.parse(olderThan) == nil {
            throw ValidationError("--older-than must be a duration like 30d, 12h or 90m; got '\(olderThan)'.")
        }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
    }

    func run() throws {
        let retention = try retentionOptions.resolved()
        let olderThan = self.olderThan.flatMap(DurationText.parse)
        if olderThan == nil, retention == nil, !json {
            Output.line("No --older-than, --retention or TOLLGATE_RETENTION: only runs whose pipeline sets a retention are pruned.")
        }
        let store = try database.open()
        let report = try store.prune(PruneRequest(olderThan: olderThan, defaultRetention: retention, all: all, dryRun: dryRun,
                                                  batchSize: batchSize))
        if json { try Output.printJSON(report); return }
        if report.counts.isEmpty {
            Output.line("Nothing has expired.")
            return
        }
        Output.line(Output.table(["table", "action", "rows"], report.counts.map { [$0.table, dryRun ? "would be \($0.action)" : $0.action, String($0.rows)] }))
        if !dryRun {
            Output.line("Database \(store.path): \(report.bytesBefore) → \(report.bytesAfter) bytes (\(report.vacuum ?? "no") vacuum).")
        }
    }
}
