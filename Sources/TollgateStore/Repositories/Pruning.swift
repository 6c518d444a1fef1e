public import Foundation
import GRDB
import TollgateCore

/// What `tollgate prune` removes: rows older than a retention window.
///
/// Without ``all`` only text and samples go (samples, eval answers, alert bodies); runs, their
/// journals, verdicts and decisions (the audit trail) stay. With ``all`` finished runs go too,
/// with everything that belongs to them, and old alerts, drift results, schedule and audit events.
/// Runs that are still active are never touched.
public struct PruneRequest: Sendable {
    /// The window for every row, overriding the runs' own retention (`--older-than`).
    public var olderThan: Duration?
    /// The window for runs that have none of their own and for rows of no run (`--retention`, `TOLLGATE_RETENTION`).
    public var defaultRetention: Duration?
    public var all: Bool
    /// Count what would go, change nothing.
    public var dryRun: Bool
    public var now: Date
    /// Rows per transaction: a running rollout waits for one batch at most.
    public var batchSize: Int

    public init(olderThan: Duration? = nil, defaultRetention: Duration? = nil, all: Bool = false, dryRun: Bool = false,
                now: Date = Date(), batchSize: Int = 500) {
        self.olderThan = olderThan
        self.defaultRetention = defaultRetention
        self.all = all
        self.dryRun = dryRun
        self.now = now
        self.batchSize = max(1, batchSize)
    }
}

/// What a prune removed (or, dry, would remove), and the file's size before and after.
public struct PruneReport: Sendable, Codable, Equatable {
    /// One table and what was done to its rows (`deleted`, or `text_cleared`).
    public struct Count: Sendable, Codable, Equatable {
        public var table: String
        public var action: String
        public var rows: Int
    }
    public var dryRun: Bool
    public var counts: [Count]
    /// Main file plus WAL, in bytes.
    public var bytesBefore: Int
    public var bytesAfter: Int
    /// `incremental` or `full` (a file from before incremental vacuum, converted), nil when dry or nothing went.
    public var vacuum: String?

    public var totalRows: Int { counts.reduce(0) { $0 + $1.rows } }
}

extension RunStore {
    /// Removes expired rows in batches of ``PruneRequest/batchSize`` (each its own transaction),
    /// journals what went in `prune_log`, then vacuums so the file shrinks.
    public func prune(_ request: PruneRequest) throws -> PruneReport {
        let before = fileBytes()
        var counts: [String: PruneReport.Count] = [:]
        func add(_ table: String, _ action: String, _ rows: Int) {
            guard rows > 0 else { return }
            counts["\(table) \(action)", default: PruneReport.Count(table: table, action: action, rows: 0)].rows += rows
        }
        let runs: [(id: String, createdAt: Date, updatedAt: Date, terminal: Bool, retention: Double?)] = try read { tx in
            try Row.fetchAll(tx.db, sql: """
                SELECT r.id, r.created_at, r.updated_at, r.status, rr.seconds FROM runs r
                LEFT JOIN run_retention rr ON rr.run_id = r.id ORDER BY r.created_at
                """).map { row in
                let status = RunStatus(rawValue: row[3]) ?? .running
                return (row[0], row[1], row[2], status.isTerminal, row[4])
            }
        }
        let fallback = request.olderThan ?? request.defaultRetention
        for run in runs where run.terminal {
            let window: Double? = request.olderThan.map(DurationText.seconds) ?? run.retention ?? request.defaultRetention.map(DurationText.seconds)
            guard let window else { continue }
            let cutoff = request.now.addingTimeInterval(-window)
            if request.all, run.updatedAt < cutoff {
                add("samples", "deleted", try batched(request, count: "SELECT COUNT(*) FROM samples WHERE run_id = ?",
                                                      step: "DELETE FROM samples WHERE id IN (SELECT id FROM samples WHERE run_id = ? LIMIT ?)",
                                                      [run.id]))
                for table in ["events", "stages", "verdicts", "decisions", "eval_results", "alert_actions", "run_retention"] {
                    add(table, "deleted", try count(request, "SELECT COUNT(*) FROM \(table) WHERE run_id = ?", [run.id]))
                }
                add("runs", "deleted", try change(request, count: "SELECT COUNT(*) FROM runs WHERE id = ?",
                                                  sql: "DELETE FROM runs WHERE id = ?", [run.id]))
                continue
            }
            add("samples", "deleted", try batched(request, count: "SELECT COUNT(*) FROM samples WHERE run_id = ? AND started_at < ?",
                                                  step: "DELETE FROM samples WHERE id IN (SELECT id FROM samples WHERE run_id = ? AND started_at < ? LIMIT ?)",
                                                  [run.id, cutoff]))
            if run.createdAt < cutoff {
                add("eval_results", "answer_cleared", try batched(request,
                    count: "SELECT COUNT(*) FROM eval_results WHERE run_id = ? AND answer IS NOT NULL",
                    step: "UPDATE eval_results SET answer = NULL WHERE id IN (SELECT id FROM eval_results WHERE run_id = ? AND answer IS NOT NULL LIMIT ?)",
                    [run.id]))
            }
        }
        if let fallback {
            let cutoff = request.now.addingTimeInterval(-DurationText.seconds(fallback))
            if request.all {
                for (table, column) in [("alerts", "received_at"), ("drift_results", "at"), ("schedule_events", "at"),
                                        ("audit_events", "at"), ("prune_log", "at")] {
                    add(table, "deleted", try batched(request, count: "SELECT COUNT(*) FROM \(table) WHERE \(column) < ?",
                                                      step: "DELETE FROM \(table) WHERE id IN (SELECT id FROM \(table) WHERE \(column) < ? LIMIT ?)",
                                                      [cutoff]))
                }
            } else {
                add("alerts", "text_cleared", try batched(request,
                    count: "SELECT COUNT(*) FROM alerts WHERE received_at < ? AND (raw != '{}' OR annotations != '{}')",
                    step: "UPDATE alerts SET raw = '{}', annotations = '{}' WHERE id IN (SELECT id FROM alerts WHERE received_at < ? AND (raw != '{}' OR annotations != '{}') LIMIT ?)",
                    [cutoff]))
            }
        }
        let ordered = counts.values.sorted { ($0.table, $0.action) < ($1.table, $1.action) }
        var report = PruneReport(dryRun: request.dryRun, counts: ordered, bytesBefore: before, bytesAfter: before, vacuum: nil)
        guard !request.dryRun, !ordered.isEmpty else { return report }
        try write { tx in
            for c in ordered {
                try tx.db.execute(sql: "INSERT INTO prune_log (at, table_name, action, rows, detail) VALUES (?, ?, ?, ?, ?)",
                                  arguments: [request.now, c.table, c.action, c.rows, Self.describe(request)])
            }
        }
        report.vacuum = try vacuum()
        report.bytesAfter = fileBytes()
        return report
    }

    /// The prune journal, newest first.
    public func pruneLog(limit: Int = 100) throws -> [(at: Date, table: String, action: String, rows: Int, detail: String)] {
        try read { tx in
            try Row.fetchAll(tx.db, sql: "SELECT at, table_name, action, rows, detail FROM prune_log ORDER BY id DESC LIMIT ?",
                             arguments: [limit]).map { ($0[0], $0[1], $0[2], $0[3], $0[4]) }
        }
    }

    private static func describe(_ request: PruneRequest) -> String {
        var parts: [String] = []
        if let o = request.olderThan { parts.append("older than \(DurationText.format(o))") }
        if let d = request.defaultRetention { parts.append("default retention \(DurationText.format(d))") }
        if request.all { parts.append("all") }
        return parts.isEmpty ? "runs' own retention" : parts.joined(separator: ", ")
    }

    /// Counts rows (dry run), or repeats `step` (with `LIMIT ?` bound to the batch size) in its own
    /// transaction each time until it changes nothing, returning how many rows it changed.
    private func batched(_ request: PruneRequest, count: String, step: String, _ arguments: [any DatabaseValueConvertible]) throws -> Int {
        if request.dryRun { return try self.count(request, count, arguments) }
        var total = 0
        while true {
            let changed = try write { tx in
                try tx.db.execute(sql: step, arguments: StatementArguments(arguments + [request.batchSize]))
                return tx.db.changesCount
            }
            total += changed
            if changed < request.batchSize { return total }
        }
    }

    private func count(_ request: PruneRequest, _ sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> Int {
        try read { try Int.fetchOne($0.db, sql: sql, arguments: StatementArguments(arguments)) ?? 0 }
    }

    private func change(_ request: PruneRequest, count: String, sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> Int {
        if request.dryRun { return try self.count(request, count, arguments) }
        return try write { tx in
            try tx.db.execute(sql: sql, arguments: StatementArguments(arguments))
            return tx.db.changesCount
        }
    }

    /// Gives free pages back to the file system and truncates the WAL.
    private func vacuum() throws -> String {
        do {
            return try writer.writeWithoutTransaction { db in
                let kind: String
                if try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 {
                    try db.execute(sql: "PRAGMA incremental_vacuum")
                    kind = "incremental"
                } else {
                    try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                    try db.execute(sql: "VACUUM")
                    kind = "full"
                }
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                return kind
            }
        } catch let error as DatabaseError {
            throw StoreError.database(error.message ?? error.description)
        }
    }

    /// The main file plus its WAL, in bytes.
    public func fileBytes() -> Int {
        [path, path + "-wal"].reduce(0) { sum, p in
            sum + (((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }
}
