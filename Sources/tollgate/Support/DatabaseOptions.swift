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

    /// Opens the store, turning errors into a message and the failure exit code.
    func open() throws -> RunStore {
        do {
            return try RunStore(path: path)
        } catch {
            Output.error("tollgate: \(error)")
            throw TollgateExit.failure
        }
    }
}
