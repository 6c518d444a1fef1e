import Foundation
import GRDB
import Testing
import TollgateCore
@testable import TollgateStore
import TollgateTestSupport

/// Where a test's store lives: the store's tests run the same body on both (GRDB's own habit), so
/// that what holds on a WAL file shared by processes also holds without one, and the other way.
enum StoreBacking: String, CaseIterable, CustomTestStringConvertible {
    case inMemory, walFile

    var testDescription: String { rawValue }

    /// A fresh store, and a temporary folder the caller removes.
    func open() throws -> (RunStore, TemporaryFolder) {
        let folder = try TemporaryFolder()
        switch self {
        case .inMemory: return (try RunStore.inMemory(), folder)
        case .walFile: return (try RunStore(path: folder.path("t.db")), folder)
        }
    }
}

@Suite struct RunStoreTests {
    @Test func migratesAFreshFileAndReopensIdempotently() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("nested/dir/t.db")
        let store = try RunStore(path: path)
        let tables = try store.read { tx in
            try String.fetchAll(tx.db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        for table in ["runs", "events", "stages", "samples", "verdicts", "decisions", "alerts", "eval_results", "drift_results", "leases"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        let mode = try store.read { tx in try String.fetchOne(tx.db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let foreignKeys = try store.read { tx in try Int.fetchOne(tx.db, sql: "PRAGMA foreign_keys") }
        #expect(foreignKeys == 1)
        let run = try store.createRun(NewRun(kind: .replay, name: "a"))
        try store.close()

        let again = try RunStore(path: path)
        #expect(try again.run(run.id).name == "a")
        let applied = try again.read { tx in try String.fetchAll(tx.db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == Migrations.migrator.migrations)
    }

    @Test(arguments: StoreBacking.allCases)
    func samplesRoundTripWithEveryField(_ backing: StoreBacking) throws {
        let (store, folder) = try backing.open()
        defer { folder.remove() }
        let run = try store.createRun(NewRun(kind: .shadow, name: "s"))
        let start = Date(timeIntervalSince1970: 1_790_000_000.25)
        let full = Sample(requestID: "r1", arm: .candidate, startedAt: start, firstByteMs: 3.5, ttftMs: 120.25,
                          chunkTimesMs: [120.25, 140.5, 161.125], e2eMs: 161.125, inputTokens: 42, outputTokens: 3,
                          tokensEstimated: true, finishReason: "stop", httpStatus: 200, bytes: 900,
                          errorClass: nil, attempts: 2, responseText: "hi there", tags: ["en", "faq"])
        let failed = Sample(requestID: "r2", arm: .baseline, startedAt: start, httpStatus: 503,
                            errorClass: .http5xx, errorMessage: "Service Unavailable")
        try store.insertSamples([full, failed], runID: run.id, stage: 1)
        #expect(try store.samples(runID: run.id) == [full, failed])
        #expect(try store.samples(runID: run.id, arm: .candidate) == [full])
        #expect(try store.samples(runID: run.id, stage: 2).isEmpty)
        #expect(try store.read { try $0.sampleCounts(runID: run.id, stage: 1) } == [.baseline: 1, .candidate: 1])
    }

    @Test(arguments: StoreBacking.allCases)
    func journalNumbersEventsWithoutGapsAndKeepsPipelineSnapshot(_ backing: StoreBacking) throws {
        let (store, folder) = try backing.open()
        defer { folder.remove() }
        let text = "version: 1\nkind: pipeline\n"
        let run = try store.createRun(NewRun(kind: .rollout, name: "p", pipelineText: text))
        #expect(run.pipelineSha256 == SHA256Hex.digest(Data(text.utf8)))
        struct Weight: Encodable { var weight: Int }
        for w in [5, 25, 50] { try store.appendEvent(runID: run.id, kind: "weight_set", payload: Weight(weight: w)) }
        let events = try store.events(runID: run.id)
        #expect(events.map(\.seq) == [1, 2, 3, 4])
        #expect(events.map(\.kind) == ["run_created", "weight_set", "weight_set", "weight_set"])
        #expect(events[3].payload == #"{"weight":50}"#)
    }

    @Test(arguments: StoreBacking.allCases)
    func findsRunsByUniquePrefixAndNamesAmbiguity(_ backing: StoreBacking) throws {
        let (store, folder) = try backing.open()
        defer { folder.remove() }
        let date = Date(timeIntervalSince1970: 1_790_000_000)
        let a = try store.createRun(NewRun(kind: .replay, name: "a"), at: date)
        let b = try store.createRun(NewRun(kind: .replay, name: "b"), at: date)
        #expect(try store.run(String(a.id.prefix(20))).id == a.id)
        #expect(throws: StoreError.self) { try store.run(String(a.id.prefix(10))) }
        #expect(throws: StoreError.self) { try store.run("nope") }
        #expect(Set(try store.runs().map(\.id)) == [a.id, b.id])
    }

    @Test(arguments: StoreBacking.allCases)
    func statusChangesAreJournaledAndTerminalOnesSetFinishTime(_ backing: StoreBacking) throws {
        let (store, folder) = try backing.open()
        defer { folder.remove() }
        let run = try store.createRun(NewRun(kind: .rollout, name: "p"))
        try store.write { tx in try tx.setStatus(runID: run.id, status: .rolledBack, outcome: "ttft regression") }
        let after = try store.run(run.id)
        #expect(after.status == .rolledBack)
        #expect(after.outcome == "ttft regression")
        #expect(after.finishedAt != nil)
    }

    @Test func theInMemoryStoreIsMigratedAndChecksForeignKeys() throws {
        let store = try RunStore.inMemory()
        let applied = try store.read { tx in try String.fetchAll(tx.db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == Migrations.migrator.migrations)
        #expect(try store.read { tx in try Int.fetchOne(tx.db, sql: "PRAGMA foreign_keys") } == 1)
        #expect(store.path == ":memory:")
    }

    @Test func refusesANewerSchemaAndLeavesTheFileUntouched() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("t.db")
        do {
            let store = try RunStore(path: path)
            try store.createRun(NewRun(kind: .replay, name: "old"))
            try store.write { tx in try tx.db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
            // Fold the WAL into the main file so the file alone is the whole database.
            try store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try store.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect {
            _ = try RunStore(path: path)
        } throws: { error in
            guard case StoreError.newerSchema(_, let found, _) = error else { return false }
            return found == "v99-from-the-future" && "\(error)".contains("Upgrade Tollgate")
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(before == after)
    }

    @Test func rejectsAFileThatIsNotADatabase() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("junk.db")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { _ = try RunStore(path: path) }
    }
}

@Suite struct MultiProcessStoreTests {
    func probe() throws -> URL {
        try #require(BuiltProducts.url(of: "tollgate-store-probe"), "tollgate-store-probe was not built next to the tests")
    }

    @Test(.timeLimit(.minutes(1)))
    func twoProcessesWriteAtOnceAndReadersSeeOnlyWholeBatches() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("shared.db")
        _ = try RunStore(path: path)  // migrate once so both children start from the same schema
        let batch = 50, batches = 40
        let a = try ChildProcess(try probe(), [path, "a", "\(batches)", "\(batch)"])
        let b = try ChildProcess(try probe(), [path, "b", "\(batches)", "\(batch)"])
        defer { a.stop(); b.stop() }

        // Read while they write: every count seen must be a whole number of batches.
        let reader = try RunStore(path: path)
        var torn: [Int] = []
        var observations = 0
        while a.process.isRunning || b.process.isRunning {
            let counts = try reader.read { tx in
                try Int.fetchAll(tx.db, sql: "SELECT COUNT(*) FROM samples GROUP BY run_id")
            }
            torn += counts.filter { $0 % batch != 0 }
            observations += 1
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await a.waitForExit(timeout: .seconds(30)) == 0, "writer a: \(a.stderr)")
        #expect(await b.waitForExit(timeout: .seconds(30)) == 0, "writer b: \(b.stderr)")
        #expect(torn.isEmpty, "a reader saw a partial batch: \(torn)")
        #expect(observations > 0)
        let runs = try reader.runs()
        #expect(runs.count == 2)
        for run in runs {
            #expect(try reader.samples(runID: run.id).count == batch * batches)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aWriterKilledMidBatchLeavesAConsistentDatabase() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("killed.db")
        let batch = 2000
        let child = try ChildProcess(try probe(), [path, "k", "0", "\(batch)"])
        defer { child.stop() }
        let sawCommits = await waitUntil(timeout: .seconds(30)) { child.stdout.contains("committed \(batch * 3)") }
        #expect(sawCommits, "the writer never committed: \(child.stderr)")
        child.kill()  // SIGKILL: most likely inside the next batch's transaction
        let reported = child.stdout.split(separator: "\n").compactMap { line -> Int? in
            line.hasPrefix("committed ") ? Int(line.dropFirst("committed ".count)) : nil
        }.max() ?? 0

        let store = try RunStore(path: path)
        let integrity = try store.read { tx in try String.fetchOne(tx.db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        let count = try store.read { tx in try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM samples") } ?? -1
        #expect(count % batch == 0, "a partial batch survived: \(count)")
        #expect(count >= reported, "a reported commit was lost: \(count) < \(reported)")
        // The database stays writable after the crash.
        let run = try store.createRun(NewRun(kind: .replay, name: "after"))
        try store.insertSamples([Sample(requestID: "x", arm: .baseline, startedAt: Date())], runID: run.id, stage: nil)
        #expect(try store.samples(runID: run.id).count == 1)
    }
}
