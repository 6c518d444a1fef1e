import ArgumentParser
import Foundation
import TollgateCore
import TollgateStore

/// The `--db` option of every command that reads or writes run history: one declaration, one
/// rule. The database named is `--db`, else `TOLLGATE_DB` — an empty `TOLLGATE_DB` counts as unset —
/// else `.tollgate/tollgate.db` in the current folder. Commands that record only when asked
/// (`replay`, `shadow`, `gateway`) take ``RecordingDatabaseOptions``, the same rule without the
/// default; `demo` has its own `--db` (else a temporary file, whatever `TOLLGATE_DB` says).
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "SQLite database file of run history.",
        discussion: "Defaults to $TOLLGATE_DB (empty counts as unset), else .tollgate/tollgate.db in the current folder.",
        valueName: "FILE"))
    var db: String?

    /// The database `--db` or a non-empty `TOLLGATE_DB` names; nil when neither does.
    static func named(_ db: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let db { return db }
        guard let variable = environment["TOLLGATE_DB"], !variable.isEmpty else { return nil }
        return variable
    }

    /// The path in effect: the one named, else the default.
    var path: String { Self.named(db) ?? RunStore.defaultPath(environment: [:]) }

    /// Opens the store for a command that records runs. A missing file is created, with a notice
    /// on stderr: a mistyped `--db` makes a fresh database whose empty lease table knows nothing of
    /// the runs in the intended one, and the notice says so before anything is recorded there.
    func open() throws -> RunStore {
        try Self.open(path: path)
    }

    /// Opens the store for a command that only reads: a missing file is an error (exit 1, the
    /// path named), never a new empty database.
    func openExisting() throws -> RunStore {
        try RunStore.existing(path: path)
    }

    /// Opens (creating it, with the notice) the database at `path`.
    static func open(path: String) throws -> RunStore {
        let existed = FileManager.default.fileExists(atPath: path)
        let store = try RunStore(path: path)
        if !existed {
            Output.error("tollgate: created a new, empty database at \(store.path); it knows no runs or leases of any other database (if you meant an existing one, check --db or TOLLGATE_DB).")
        }
        store.warnings.forEach { Output.error("tollgate: warning: \($0)") }
        return store
    }
}

/// The `--db` of the commands that record only when asked (`replay`, `shadow`, `gateway`): the
/// rule of ``DatabaseOptions`` without its default, so a quick measurement leaves no database behind.
struct RecordingDatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Record the run and its samples in this SQLite file of run history.",
        discussion: "Also $TOLLGATE_DB. Without either, nothing is stored: a quick measurement leaves no database behind.",
        valueName: "FILE"))
    var db: String?

    /// The store `--db` or `TOLLGATE_DB` names, opened (created with a notice when missing); nil when neither names one.
    func openIfNamed() throws -> RunStore? {
        try DatabaseOptions.named(db).map { try DatabaseOptions.open(path: $0) }
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
            throw CommandFailure.badInput("TOLLGATE_RETENTION must be a duration like 30d; got '\(text)'.")
        }
        return duration
    }
}
