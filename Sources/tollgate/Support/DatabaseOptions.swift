import ArgumentParser
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

    /// Opens the store for a command that records runs (creating the file when missing),
    /// turning errors into a message and the failure exit code.
    func open() throws -> RunStore {
        do {
            return try RunStore(path: path)
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
