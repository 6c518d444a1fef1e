import ArgumentParser
import Foundation
import TollgateCore
import TollgateStore

/// The `--db` option every command that reads or writes run history shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "SQLite database file of run history.",
        discussion: "Defaults to $TOLLGATE_DB, else .tollgate/tollgate.db in the current folder.",
        valueName: "FILE"))
    var db: String?

    /// The path in effect: `--db`, else `TOLLGATE_DB`, else the default.
    var path: String { db ?? RunStore.defaultPath() }

    /// Opens the store for a command that records runs, turning errors into a message and the
    /// failure exit code. A missing file is created, with a notice on stderr: a mistyped `--db`
    /// makes a fresh database whose empty lease table knows nothing of the runs in the intended
    /// one, and the notice says so before anything is recorded there.
    func open() throws -> RunStore {
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            let store = try RunStore(path: path)
            if !existed {
                Output.error("tollgate: created a new, empty database at \(store.path); it knows no runs or leases of any other database (if you meant an existing one, check --db or TOLLGATE_DB).")
            }
            store.warnings.forEach { Output.error("tollgate: warning: \($0)") }
            return store
        } catch {
            Output.error("tollgate: \(error)")
            throw TollgateExit.failure
        }
    }

    /// Opens the store for a command that only reads: a missing file is an error (exit 1, the
    /// path named), never a new empty database.
    func openExisting() throws -> RunStore {
        do {
            return try RunStore.existing(path: path)
        } catch {
            Output.error("tollgate: \(error)")
            throw TollgateExit.failure
        }
    }
}

/// The `--retention` option of the commands that prune (`prune`, `serve`).
struct RetentionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "How long samples and texts of runs whose pipeline sets no security.logging.retention are kept (e.g. 30d).",
        discussion: "Defaults to $TOLLGATE_RETENTION; without either, such runs are kept until pruned with --older-than.",
        valueName: "DURATION"))
    var retention: String?

    func validate() throws {
        if let retention, DurationText.parse(retention) == nil {
            throw ValidationError("--retention must be a duration like 30d, 12h or 90m; got '\(retention)'.")
        }
    }

    /// `--retention`, else `TOLLGATE_RETENTION`; a bad variable is an input error.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Duration? {
        if let retention { return DurationText.parse(retention) }
        guard let text = environment["TOLLGATE_RETENTION"], !text.isEmpty else { return nil }
        guard let duration = DurationText.parse(text) else {
            Output.error("tollgate: TOLLGATE_RETENTION must be a duration like 30d; got '\(text)'.")
            throw TollgateExit.invalidInput
        }
        return duration
    }
}
