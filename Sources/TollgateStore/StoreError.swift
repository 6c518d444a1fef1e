public import TollgateCore

/// Why the run-history database could not be opened, read or written.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The file was written by a newer Tollgate whose schema this version does not know.
    case newerSchema(path: String, found: String, known: String)
    /// A run id that is not in the database.
    case runNotFound(String)
    /// A run id prefix that matches several runs.
    case ambiguousRun(prefix: String, matches: [String])
    /// SQLite reported an error.
    case database(String)
    /// A command that only reads was pointed at a database file that does not exist.
    case missingDatabase(path: String)

    public var description: String {
        switch self {
        case .newerSchema(let path, let found, let known):
            return "\(path) was written by a newer Tollgate (schema migration '\(found)' is unknown; this version knows up to '\(known)'). Upgrade Tollgate; the file was left untouched."
        case .runNotFound(let id):
            return "No run with id '\(id)' in the database. List runs with `tollgate history`."
        case .ambiguousRun(let prefix, let matches):
            return "'\(prefix)' matches \(matches.count) runs (\(matches.prefix(5).joined(separator: ", "))); give more of the id."
        case .database(let message):
            return "Database error: \(message)"
        case .missingDatabase(let path):
            return "There is no run history at \(path): the file does not exist. Check --db (or TOLLGATE_DB); commands that record runs create it."
        }
    }
}

extension StoreError: ClassifiedError {
    /// An unknown or ambiguous run id is bad input; a database that cannot be opened, read or
    /// written (missing, from a newer Tollgate, an SQLite error) is an operational failure.
    public var kind: FailureKind {
        switch self {
        case .runNotFound, .ambiguousRun: return .badInput
        case .newerSchema, .database, .missingDatabase: return .operational
        }
    }
}
