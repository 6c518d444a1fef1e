public import Foundation
import GRDB
public import TollgateCore

/// Tollgate's run history: one SQLite file in WAL mode shared by every Tollgate process
/// (CLI, gateway, server) on the machine.
///
/// Opening applies pending migrations; a file written by a newer schema is refused and
/// left untouched. Writes go through ``write(_:)`` so that a journal event and the state
/// it changes commit in one transaction:
///
/// ```swift
/// let store = try RunStore(path: RunStore.defaultPath())
/// let run = try store.createRun(NewRun(kind: .replay, name: "support.jsonl"))
/// try store.insertSamples(batch, runID: run.id, stage: nil)
/// ```
public final class RunStore: Sendable {
    /// The database file's path (`:memory:` for ``inMemory()``).
    public let path: String
    /// A `DatabasePool` (WAL) on the file, or a `DatabaseQueue` in memory.
    let writer: any DatabaseWriter

    /// `TOLLGATE_DB` when set, else `.tollgate/tollgate.db` under the working directory.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["TOLLGATE_DB"], !path.isEmpty { return path }
        return ".tollgate/tollgate.db"
    }

    /// Opens the database at `path` for a command that only reads: a missing file is
    /// ``StoreError/missingDatabase(path:)``, and neither the file nor its folder is created.
    public static func existing(path: String, busyTimeout: TimeInterval = 15) throws -> RunStore {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missingDatabase(path: path) }
        return try RunStore(path: path, busyTimeout: busyTimeout)
    }

    /// Problems with the file found when opening it (other users may read it), for the caller to show.
    public let warnings: [String]

    /// Opens (creating when missing) the database at `path` and migrates it. A new file (and its
    /// `-wal`/`-shm`, which SQLite creates with the main file's mode) is 0600 in a 0700 folder.
    public init(path: String, busyTimeout: TimeInterval = 15) throws {
        self.path = path
        let migrator = Migrations.migrator
        let existed = FileManager.default.fileExists(atPath: path) && ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0) > 0
        if existed {
            try Self.refuseNewerSchema(path: path, migrator: migrator, busyTimeout: busyTimeout)
        }
        do {
            try PrivateFiles.prepare(path)
        } catch {
            throw StoreError.database("cannot create \(path): \(error.localizedDescription)")
        }
        warnings = [PrivateFiles.exposureWarning(path)].compactMap { $0 }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            if !existed { try Self.enableIncrementalVacuum(pool) }
            try Self.migrate(pool, with: migrator)
            writer = pool
        } catch let error as DatabaseError {
            throw StoreError.database("\(path): \(error.message ?? error.description)")
        }
    }

    private init(inMemory queue: DatabaseQueue) {
        path = ":memory:"
        writer = queue
        warnings = []
    }

    /// A private database in memory, migrated like a file and gone when the value is: for tests
    /// (the store's tests run each body on this and on a WAL file, as GRDB's own tests do).
    public static func inMemory() throws -> RunStore {
        var config = Configuration()
        config.foreignKeysEnabled = true
        do {
            let queue = try DatabaseQueue(configuration: config)
            try Migrations.migrator.migrate(queue)
            return RunStore(inMemory: queue)
        } catch let error as DatabaseError {
            throw StoreError.database(":memory:: \(error.message ?? error.description)")
        }
    }

    /// Applies pending migrations. Two processes opening a new file at once can both find a
    /// migration pending; the one that loses the race fails on its first statement, and tries
    /// again, finding the migration applied by the other.
    private static func migrate(_ pool: DatabasePool, with migrator: DatabaseMigrator) throws {
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch is DatabaseError where attempt < 5 {
                // A real problem fails again; the last attempt's error is thrown.
                attempt += 1
                usleep(UInt32(20_000 * attempt))
            }
        }
    }

    /// A new file gets `auto_vacuum = INCREMENTAL` before its first table, so that pruning can give
    /// pages back to the file system with `PRAGMA incremental_vacuum` (an old file is converted by
    /// the first prune, with one full `VACUUM`).
    private static func enableIncrementalVacuum(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 0 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }

    /// Reads the schema version without writing anything (not even the WAL switch),
    /// so that a file from a newer Tollgate is left exactly as it was.
    private static func refuseNewerSchema(path: String, migrator: DatabaseMigrator, busyTimeout: TimeInterval) throws {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            let applied: [String] = try queue.read { db in
                guard try db.tableExists("grdb_migrations") else { return [] }
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            }
            try queue.close()
            let known = Set(migrator.migrations)
            if let unknown = applied.first(where: { !known.contains($0) }) {
                throw StoreError.newerSchema(path: path, found: unknown, known: migrator.migrations.last ?? "none")
            }
        } catch let error as DatabaseError {
            throw StoreError.database("\(path) is not a Tollgate database or is damaged: \(error.message ?? error.description)")
        }
    }

    /// Runs `body` in one write transaction: all of it commits, or none of it.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try writer.write { db in try body(StoreTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError.database(error.message ?? error.description)
        }
    }

    /// Runs `body` on a consistent snapshot of the database.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try writer.read { db in try body(StoreTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError.database(error.message ?? error.description)
        }
    }

    /// Blocks further use and closes the file.
    public func close() throws {
        try writer.close()
    }

    // MARK: Conveniences, one transaction each

    /// Creates a run (status from `new`, a fresh sortable id) and journals `run_created`.
    @discardableResult
    public func createRun(_ new: NewRun, at date: Date = Date()) throws -> Run {
        try write { try $0.createRun(new, at: date) }
    }

    /// The run whose id is `idOrPrefix`, or the only run whose id starts with it.
    public func run(_ idOrPrefix: String) throws -> Run {
        try read { try $0.run(idOrPrefix) }
    }

    /// Runs, newest first, optionally only those of some kinds.
    public func runs(limit: Int? = nil, kinds: [RunKind]? = nil) throws -> [Run] {
        try read { try $0.runs(limit: limit, kinds: kinds) }
    }

    /// Appends an event to a run's journal.
    @discardableResult
    public func appendEvent(runID: String, kind: String, payload: some Encodable, at date: Date = Date()) throws -> JournalEvent {
        try write { try $0.appendEvent(runID: runID, kind: kind, payload: payload, at: date) }
    }

    /// A run's journal, in order.
    public func events(runID: String) throws -> [JournalEvent] {
        try read { try $0.events(runID: runID) }
    }

    /// Inserts a batch of samples in one transaction: a reader sees all of it or none.
    public func insertSamples(_ samples: [Sample], runID: String, stage: Int?, text: StoredTextPolicy = .standard) throws {
        guard !samples.isEmpty else { return }
        try write { try $0.insertSamples(samples, runID: runID, stage: stage, text: text) }
    }

    /// A run's samples, optionally of one stage and one arm, in insertion order.
    public func samples(runID: String, stage: Int? = nil, arm: Arm? = nil) throws -> [Sample] {
        try read { try $0.samples(runID: runID, stage: stage, arm: arm) }
    }

    /// A run (id or unique prefix) with its journal, stages and samples per arm, from one snapshot.
    public func overview(of idOrPrefix: String) throws -> RunOverview {
        try read { tx in
            let run = try tx.run(idOrPrefix)
            return RunOverview(run: run, events: try tx.events(runID: run.id), stages: try tx.stages(runID: run.id),
                               sampleCounts: try tx.sampleCounts(runID: run.id))
        }
    }

    /// A drift suite's results, newest first.
    public func driftResults(suite: String, limit: Int? = nil) throws -> [StoredDriftResult] {
        try read { try $0.driftResults(suite: suite, limit: limit) }
    }
}

/// What `tollgate show` prints of a run: the run, its journal, its stages and its samples per arm,
/// read in one snapshot.
public struct RunOverview: Sendable {
    public var run: Run
    public var events: [JournalEvent]
    public var stages: [StageRecord]
    public var sampleCounts: [Arm: Int]
}

/// JSON as Tollgate stores it: sorted keys, ISO 8601 dates.
enum StoredJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
