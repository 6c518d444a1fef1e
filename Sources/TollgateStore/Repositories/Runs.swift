public import Foundation
import GRDB
import TollgateCore

/// Runs: creating, finding, listing and finishing them.
extension StoreTransaction {
    /// Creates a run with a fresh id and journals `run_created` with the pipeline's hash.
    public func createRun(_ new: NewRun, at date: Date = Date()) throws -> Run {
        let run = Run(
            id: Self.newRunID(at: date), kind: new.kind, name: new.name, target: new.target,
            pipelinePath: new.pipelinePath, pipelineText: new.pipelineText,
            pipelineSha256: new.pipelineText.map { SHA256Hex.digest(Data($0.utf8)) },
            baselineVersion: new.baselineVersion, candidateVersion: new.candidateVersion,
            status: new.status, outcome: nil, createdAt: date, updatedAt: date, finishedAt: nil
        )
        try run.insert(db)
        if let retention = new.retention {
            try db.execute(sql: "INSERT INTO run_retention (run_id, seconds) VALUES (?, ?)",
                           arguments: [run.id, DurationText.seconds(retention)])
        }
        struct Created: Encodable { var kind: String; var name: String; var pipelineSha256: String? }
        try appendEvent(runID: run.id, kind: "run_created",
                        payload: Created(kind: run.kind.rawValue, name: run.name, pipelineSha256: run.pipelineSha256), at: date)
        return run
    }

    /// The run whose id is `idOrPrefix`, or the only run whose id starts with it.
    public func run(_ idOrPrefix: String) throws -> Run {
        // An empty (or blank) id is no prefix of anything: it must not pick "the only run".
        guard !idOrPrefix.trimmingCharacters(in: .whitespaces).isEmpty else { throw StoreError.runNotFound(idOrPrefix) }
        if let run = try Run.fetchOne(db, key: idOrPrefix) { return run }
        let escaped = idOrPrefix.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let matches = try Run.fetchAll(db, sql: "SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 6", arguments: [escaped + "%"])
        switch matches.count {
        case 0: throw StoreError.runNotFound(idOrPrefix)
        case 1: return matches[0]
        default: throw StoreError.ambiguousRun(prefix: idOrPrefix, matches: matches.map(\.id))
        }
    }

    /// Runs, newest first, optionally only those of some kinds and statuses (filtered in SQL, so
    /// `limit` counts only matching runs).
    public func runs(limit: Int? = nil, statuses: [RunStatus]? = nil, kinds: [RunKind]? = nil) throws -> [Run] {
        var request = Run.order(Column("created_at").desc, Column("id").desc)
        if let statuses { request = request.filter(statuses.map(\.rawValue).contains(Column("status"))) }
        if let kinds { request = request.filter(kinds.map(\.rawValue).contains(Column("kind"))) }
        if let limit { request = request.limit(limit) }
        return try request.fetchAll(db)
    }

    /// Sets a run's status (and outcome); a terminal status also sets `finished_at`.
    public func setStatus(runID: String, status: RunStatus, outcome: String? = nil, at date: Date = Date()) throws {
        var run = try self.run(runID)
        run.status = status
        if let outcome { run.outcome = outcome }
        run.updatedAt = date
        if status.isTerminal { run.finishedAt = date }
        try run.update(db)
    }

    /// Counts of runs by status.
    public func runCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM runs GROUP BY status") { counts[row[0]] = row[1] }
        return counts
    }

    /// `YYYYMMDD-HHMMSS-xxxxxx`: sortable by creation time, unique across processes.
    static func newRunID(at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(format: "%04d%02d%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        let random = String(format: "%06x", UInt32.random(in: 0..<0xFF_FFFF))
        return "\(stamp)-\(random)"
    }
}
