import Foundation
import GRDB
import Testing
import TollgateCore
@testable import TollgateStore
import TollgateTestSupport

/// What the store keeps of texts (per mode), how long (pruning), and who may read its files.
@Suite struct PrivacyStoreTests {
    /// Raw values the answers carry, each of which must never reach the file in `redacted` mode.
    static let secrets = ["ann.lee@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
                          "sk-live-AbCdEfGhIjKlMnOpQrSt", "AKIAIOSFODNN7EXAMPLE"]
    static let invalidCard = "4111 1111 1111 1112"
    static let answer = "Contact ann.lee@example.com or +44 20 7946 0958; card 4111 1111 1111 1111 (not 4111 1111 1111 1112), "
        + "IBAN DE89 3704 0044 0532 0130 00, key sk-live-AbCdEfGhIjKlMnOpQrSt, AKIAIOSFODNN7EXAMPLE."

    /// Every byte of the database, its WAL and its shared-memory file.
    static func rawBytes(_ path: String) -> Data {
        [path, path + "-wal", path + "-shm"].reduce(into: Data()) { data, p in
            if let d = FileManager.default.contents(atPath: p) { data.append(d) }
        }
    }

    static func contains(_ data: Data, _ text: String) -> Bool {
        data.range(of: Data(text.utf8)) != nil
    }

    func write(mode: SecurityConfig.LoggingMode, into store: RunStore) throws -> String {
        let policy = StoredTextPolicy(security: SecurityConfig(loggingMode: mode))
        let run = try store.createRun(NewRun(kind: .replay, name: "privacy"))
        let samples = (0..<20).map { i in
            Sample(requestID: "r\(i)", arm: i % 2 == 0 ? .baseline : .candidate, startedAt: Date(), ttftMs: 10, outputTokens: 60,
                   bytes: Self.answer.utf8.count, errorMessage: i == 3 ? "upstream said: bad key sk-live-AbCdEfGhIjKlMnOpQrSt" : nil,
                   responseText: Self.answer)
        }
        try store.insertSamples(samples, runID: run.id, stage: nil, text: policy)
        try store.write { tx in
            _ = try tx.insertEvalResult(StoredEvalResult(runId: run.id, suite: "s", caseId: "c", arm: "candidate", repetition: 0,
                                                         passed: true, score: 1, answer: Self.answer, details: "[]"), text: policy)
        }
        return run.id
    }

    /// Live canaries copy the gateway's samples into the rollout: the copies keep only what the
    /// rollout's pipeline allows, whatever the gateway kept.
    @Test(arguments: [SecurityConfig.LoggingMode.none, .redacted, .full])
    func liveCopiesKeepTheRolloutsTextPolicy(mode: SecurityConfig.LoggingMode) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("live.db"))
        let gateway = try store.createRun(NewRun(kind: .gateway, name: "gateway"))
        let full = StoredTextPolicy(security: SecurityConfig(loggingMode: .full))
        try store.insertSamples([Sample(requestID: "g1", arm: .candidate, startedAt: Date(), ttftMs: 10, errorMessage: "key sk-live-AbCdEfGhIjKlMnOpQrSt rejected",
                                        responseText: Self.answer)], runID: gateway.id, stage: nil, text: full)
        let rollout = try store.createRun(NewRun(kind: .rollout, name: "live"))
        let policy = StoredTextPolicy(security: SecurityConfig(loggingMode: mode))
        let copied = try store.write { try $0.copyNewSamples(from: gateway.id, to: rollout.id, stage: 1, startedSince: .distantPast, text: policy) }
        #expect(copied == 1)
        let copy = try #require(try store.samples(runID: rollout.id, stage: 1).first)
        #expect(copy.ttftMs == 10)
        switch mode {
        case .none: #expect(copy.responseText == nil)
        case .redacted: #expect(copy.responseText == "Contact [EMAIL] or [PHONE]; card [CARD] (not 4111 1111 1111 1112), IBAN [IBAN], key [SECRET], [SECRET].")
        case .full: #expect(copy.responseText == Self.answer)
        }
        #expect(copy.errorMessage == (mode == .full ? "key sk-live-AbCdEfGhIjKlMnOpQrSt rejected" : "key [SECRET] rejected"))
    }

    @Test func redactedModeLeavesNoRawValueInTheFileOrItsWAL() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("r.db")
        let store = try RunStore(path: path)
        let runID = try write(mode: .redacted, into: store)
        let bytes = Self.rawBytes(path)
        for secret in Self.secrets { #expect(!Self.contains(bytes, secret), "\(secret) is in the file") }
        #expect(Self.contains(bytes, Self.invalidCard), "a number failing Luhn is not a card and stays")
        let stored = try #require(try store.samples(runID: runID).first?.responseText)
        #expect(stored == "Contact [EMAIL] or [PHONE]; card [CARD] (not 4111 1111 1111 1112), IBAN [IBAN], key [SECRET], [SECRET].")
        #expect(try store.samples(runID: runID).first?.outputTokens == 60, "measurements are of the full answer")
        #expect(try store.read { try $0.evalResults(runID: runID) }.first?.answer == stored)
        try store.close()
        let closed = Self.rawBytes(path)
        for secret in Self.secrets { #expect(!Self.contains(closed, secret)) }
    }

    @Test func noneModeStoresNoTextAndFullStoresAll() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("m.db"))
        let none = try write(mode: .none, into: store)
        #expect(try store.samples(runID: none).allSatisfy { $0.responseText == nil })
        #expect(try store.read { try $0.evalResults(runID: none) }.allSatisfy { $0.answer == nil })
        #expect(try store.samples(runID: none).contains { $0.errorMessage == "upstream said: bad key [SECRET]" })
        let full = try write(mode: .full, into: store)
        #expect(try store.samples(runID: full).allSatisfy { $0.responseText == Self.answer })
        #expect(try store.read { try $0.evalResults(runID: full) }.first?.answer == Self.answer)
    }

    @Test func storedTextIsCutButMeasurementsKeepTheFullLength() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("c.db"))
        let run = try store.createRun(NewRun(kind: .replay, name: "cap"))
        let long = String(repeating: "word ", count: 1000)
        try store.insertSamples([Sample(requestID: "r", arm: .baseline, startedAt: Date(), outputTokens: 1000, bytes: long.utf8.count,
                                        responseText: long)], runID: run.id, stage: nil,
                                text: StoredTextPolicy(security: SecurityConfig(maxStoredCharacters: 100)))
        let sample = try #require(try store.samples(runID: run.id).first)
        #expect(sample.responseText?.count == 100)
        #expect(sample.bytes == 5000 && sample.outputTokens == 1000)
    }

    @Test func theDatabaseAndItsFolderAreOwnerOnly() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("nested/deeper/f.db")
        let store = try RunStore(path: path)
        try store.insertSamples([Sample(requestID: "r", arm: .baseline, startedAt: Date())],
                                runID: try store.createRun(NewRun(kind: .replay, name: "m")).id, stage: nil)
        func mode(_ p: String) throws -> Int16 {
            try #require((try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.int16Value)
        }
        #expect(try mode(path) == 0o600)
        #expect(try mode(path + "-wal") == 0o600)
        #expect(try mode(path + "-shm") == 0o600)
        #expect(try mode(folder.path("nested/deeper")) == 0o700)
        #expect(try mode(folder.path("nested")) == 0o700)
        #expect(store.warnings.isEmpty)
    }

    @Test func aWorldReadableDatabaseGetsAWarning() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("w.db")
        try RunStore(path: path).close()
        chmod(path, 0o644)
        let store = try RunStore(path: path)
        #expect(store.warnings.count == 1)
        #expect(store.warnings.first?.contains("chmod 600") == true)
    }

    @Test func aNewDatabaseVacuumsIncrementally() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("v.db"))
        #expect(try store.read { try Int.fetchOne($0.db, sql: "PRAGMA auto_vacuum") } == 2)
    }

    // MARK: Retention

    /// A finished run 40 days old with samples, a verdict, a decision and an eval answer; a recent one; an active old one.
    func seed(_ store: RunStore, now: Date) throws -> (old: String, recent: String, active: String) {
        let day: TimeInterval = 86400
        func make(_ name: String, age: TimeInterval, status: RunStatus, retention: Duration? = nil) throws -> String {
            let at = now.addingTimeInterval(-age)
            let run = try store.createRun(NewRun(kind: .rollout, name: name, status: status, retention: retention), at: at)
            let samples = (0..<1200).map { i in
                Sample(requestID: "\(name)\(i)", arm: .candidate, startedAt: at, ttftMs: 5, responseText: String(repeating: "answer text ", count: 20))
            }
            try store.insertSamples(samples, runID: run.id, stage: 0)
            try store.write { tx in
                _ = try tx.insertVerdict(StoredVerdict(runId: run.id, stage: 0, at: at, decision: "promote", score: 99, payload: "{}"))
                _ = try tx.insertDecision(StoredDecision(runId: run.id, stage: 0, at: at, action: "promoted", reason: "ok", payload: "{}"))
                _ = try tx.insertEvalResult(StoredEvalResult(runId: run.id, suite: "s", caseId: "c", arm: "candidate", repetition: 0,
                                                             passed: true, score: 1, answer: "an answer", details: "[]"))
            }
            return run.id
        }
        return (try make("old", age: 40 * day, status: .promoted), try make("recent", age: 2 * day, status: .promoted),
                try make("active", age: 40 * day, status: .running))
    }

    @Test func pruneRemovesExpiredSamplesAndAnswersKeepsTheAuditTrailAndShrinksTheFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("p.db")
        let store = try RunStore(path: path)
        let now = Date()
        let ids = try seed(store, now: now)
        try store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let dry = try store.prune(PruneRequest(olderThan: .seconds(30 * 86400), dryRun: true, now: now, batchSize: 100))
        #expect(dry.counts.contains(PruneReport.Count(table: "samples", action: "deleted", rows: 1200)))
        #expect(try store.samples(runID: ids.old).count == 1200, "a dry run changes nothing")

        let report = try store.prune(PruneRequest(olderThan: .seconds(30 * 86400), now: now, batchSize: 100))
        #expect(report.counts.contains(PruneReport.Count(table: "samples", action: "deleted", rows: 1200)))
        #expect(report.counts.contains(PruneReport.Count(table: "eval_results", action: "answer_cleared", rows: 1)))
        #expect(try store.samples(runID: ids.old).isEmpty)
        #expect(try store.samples(runID: ids.recent).count == 1200)
        #expect(try store.samples(runID: ids.active).count == 1200, "an active run is never pruned")
        #expect(try store.read { try $0.evalResults(runID: ids.old) }.first?.answer == nil)
        #expect(try store.read { try $0.verdicts(runID: ids.old) }.count == 1)
        #expect(try store.read { try $0.decisions(runID: ids.old) }.count == 1)
        #expect(try store.run(ids.old).status == .promoted)
        #expect(report.vacuum == "incremental")
        #expect(report.bytesAfter < report.bytesBefore, "\(report.bytesBefore) → \(report.bytesAfter)")
        #expect(try store.pruneLog().contains { $0.table == "samples" && $0.rows == 1200 })
    }

    @Test func pruneAllDeletesWholeFinishedRunsAndARunsOwnRetentionCounts() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("a.db"))
        let now = Date()
        let ids = try seed(store, now: now)
        let own = try store.createRun(NewRun(kind: .replay, name: "own", status: .completed, retention: .seconds(3600)),
                                      at: now.addingTimeInterval(-7200)).id
        try store.insertSamples([Sample(requestID: "o", arm: .baseline, startedAt: now.addingTimeInterval(-7200))], runID: own, stage: nil)
        // No window given: only the run with its own retention is pruned.
        _ = try store.prune(PruneRequest(now: now))
        #expect(try store.samples(runID: own).isEmpty)
        #expect(try store.samples(runID: ids.old).count == 1200)

        let report = try store.prune(PruneRequest(defaultRetention: .seconds(30 * 86400), all: true, now: now))
        // The old rollout and the replay past its own hour go; the recent and the active runs stay.
        #expect(report.counts.contains(PruneReport.Count(table: "runs", action: "deleted", rows: 2)))
        #expect(throws: StoreError.self) { try store.run(own) }
        #expect(throws: StoreError.self) { try store.run(ids.old) }
        #expect(try store.run(ids.recent).status == .promoted)
        #expect(try store.run(ids.active).status == .running)
    }

    @Test func anOldFileWithoutIncrementalVacuumIsConvertedByTheFirstPrune() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("o.db")
        let store = try RunStore(path: path)
        try store.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA auto_vacuum = NONE")
            try db.execute(sql: "VACUUM")
        }
        #expect(try store.read { try Int.fetchOne($0.db, sql: "PRAGMA auto_vacuum") } == 0)
        _ = try seed(store, now: Date())
        let report = try store.prune(PruneRequest(olderThan: .seconds(86400 * 30)))
        #expect(report.vacuum == "full")
        #expect(try store.read { try Int.fetchOne($0.db, sql: "PRAGMA auto_vacuum") } == 2)
    }
}
