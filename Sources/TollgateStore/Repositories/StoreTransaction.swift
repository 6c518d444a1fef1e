import Foundation
import GRDB
import TollgateCore

/// The operations on Tollgate's tables, valid inside one ``RunStore/write(_:)`` or
/// ``RunStore/read(_:)`` closure (all of a write closure commits together).
public struct StoreTransaction {
    let db: Database

    // MARK: Runs

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

    // MARK: Journal

    /// Appends an event with the next sequence number of the run's journal.
    @discardableResult
    public func appendEvent(runID: String, kind: String, payload: some Encodable, at date: Date = Date()) throws -> JournalEvent {
        let last = try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM events WHERE run_id = ?", arguments: [runID]) ?? 0
        let event = JournalEvent(runId: runID, seq: last + 1, at: date, kind: kind, payload: try StoredJSON.encode(payload))
        try event.insert(db)
        try db.execute(sql: "UPDATE runs SET updated_at = ? WHERE id = ?", arguments: [date, runID])
        return event
    }

    /// A run's journal in order; `after` skips events up to and including that sequence number.
    public func events(runID: String, after: Int = 0) throws -> [JournalEvent] {
        try JournalEvent
            .filter(Column("run_id") == runID && Column("seq") > after)
            .order(Column("seq"))
            .fetchAll(db)
    }

    // MARK: Stages

    /// Inserts or replaces a stage row.
    public func saveStage(_ stage: StageRecord) throws {
        try stage.save(db)
    }

    /// A run's stages in pipeline order.
    public func stages(runID: String) throws -> [StageRecord] {
        try StageRecord.filter(Column("run_id") == runID).order(Column("idx")).fetchAll(db)
    }

    // MARK: Samples

    /// Inserts samples with one prepared statement reused for the whole batch; their answer text
    /// and error message pass through `text` first (redacted unless the caller says otherwise).
    public func insertSamples(_ samples: [Sample], runID: String, stage: Int?, text: StoredTextPolicy = .standard) throws {
        for sample in samples {
            var row = SampleRow(sample, runID: runID, stage: stage)
            row.responseText = text.stored(row.responseText)
            row.errorMessage = text.diagnostic(row.errorMessage)
            try row.insert(db)
        }
    }

    /// A run's samples, optionally of one stage and one arm, in insertion order.
    public func samples(runID: String, stage: Int? = nil, arm: Arm? = nil) throws -> [Sample] {
        var request = SampleRow.filter(Column("run_id") == runID)
        if let stage { request = request.filter(Column("stage") == stage) }
        if let arm { request = request.filter(Column("arm") == arm.rawValue) }
        return try request.order(Column("id")).fetchAll(db).map(\.sample)
    }

    /// Copies into `runID`'s `stage` the samples `sourceRunID` has written since the last copy
    /// into that stage, and returns how many: the samples a live canary judges, from the gateway's run.
    ///
    /// New means a row id above the highest one already copied, not a later start time: the
    /// gateway writes a sample when its request ends, so a slow request is written after faster
    /// ones that started later, and must still be copied. Each copy names its source row (a
    /// unique index), so no sample is copied twice. Only samples that started at or after
    /// `startedSince` (the stage's start) and were not served to the `shadow` arm are copied.
    /// Their text passes through `text`, the receiving run's policy (the gateway may keep more
    /// than the rollout's pipeline allows: a pipeline in mode `none` gets no text at all).
    @discardableResult
    public func copyNewSamples(from sourceRunID: String, to runID: String, stage: Int, startedSince: Date,
                               text: StoredTextPolicy = .standard) throws -> Int {
        let cursor = try Int64.fetchOne(db, sql: "SELECT MAX(source_sample_id) FROM samples WHERE run_id = ? AND stage = ?",
                                        arguments: [runID, stage]) ?? 0
        let fresh = try SampleRow
            .filter(Column("run_id") == sourceRunID && Column("id") > cursor && Column("started_at") >= startedSince
                && Column("arm") != Arm.shadow.rawValue)
            .order(Column("id")).fetchAll(db)
        for var row in fresh {
            row.sourceSampleId = row.id
            row.id = nil
            row.runId = runID
            row.stage = stage
            row.responseText = text.stored(row.responseText)
            row.errorMessage = text.diagnostic(row.errorMessage)
            try row.insert(db)
        }
        return fresh.count
    }

    /// Number of samples per arm of a run (and stage).
    public func sampleCounts(runID: String, stage: Int? = nil) throws -> [Arm: Int] {
        var sql = "SELECT arm, COUNT(*) FROM samples WHERE run_id = ?"
        var arguments: StatementArguments = [runID]
        if let stage {
            sql += " AND stage = ?"
            arguments += [stage]
        }
        sql += " GROUP BY arm"
        var counts: [Arm: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            if let arm = Arm(rawValue: row[0]) { counts[arm] = row[1] }
        }
        return counts
    }

    // MARK: Verdicts, decisions, alerts, eval and drift results

    @discardableResult
    public func insertVerdict(_ verdict: StoredVerdict) throws -> StoredVerdict {
        var verdict = verdict
        try verdict.insert(db)
        return verdict
    }

    /// A run's verdicts in order, optionally of one stage.
    public func verdicts(runID: String, stage: Int? = nil) throws -> [StoredVerdict] {
        var request = StoredVerdict.filter(Column("run_id") == runID)
        if let stage { request = request.filter(Column("stage") == stage) }
        return try request.order(Column("id")).fetchAll(db)
    }

    @discardableResult
    public func insertDecision(_ decision: StoredDecision) throws -> StoredDecision {
        var decision = decision
        try decision.insert(db)
        return decision
    }

    public func decisions(runID: String) throws -> [StoredDecision] {
        try StoredDecision.filter(Column("run_id") == runID).order(Column("id")).fetchAll(db)
    }

    /// Stores an alert with its annotations and raw body redacted (`text`).
    @discardableResult
    public func insertAlert(_ alert: StoredAlert, text: StoredTextPolicy = .standard) throws -> StoredAlert {
        var alert = alert
        alert.annotations = text.diagnostic(alert.annotations) ?? "{}"
        alert.raw = text.diagnostic(alert.raw) ?? "{}"
        try alert.insert(db)
        return alert
    }

    /// Stores an alert unless the same one (same dedupe key) is already stored; returns the
    /// stored row and whether it is new.
    public func insertAlertOnce(_ alert: StoredAlert, text: StoredTextPolicy = .standard) throws -> (alert: StoredAlert, isNew: Bool) {
        if let existing = try StoredAlert.filter(Column("dedupe_key") == alert.dedupeKey).fetchOne(db) {
            return (existing, false)
        }
        return (try insertAlert(alert, text: text), true)
    }

    /// Records that an alert acted on a run; false when it already had (idempotent re-sends).
    public func recordAlertAction(alertID: Int64, runID: String, action: String, at date: Date = Date()) throws -> Bool {
        try db.execute(sql: "INSERT OR IGNORE INTO alert_actions (alert_id, run_id, at, action) VALUES (?, ?, ?, ?)",
                       arguments: [alertID, runID, date, action])
        return db.changesCount == 1
    }

    /// Counts of alerts by status, and of alerts that acted on a run.
    public func alertCounts() throws -> (byStatus: [String: Int], actedOn: Int) {
        var byStatus: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM alerts GROUP BY status") { byStatus[row[0]] = row[1] }
        let acted = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT alert_id) FROM alert_actions") ?? 0
        return (byStatus, acted)
    }

    /// Counts of decisions by action, over all runs.
    public func decisionCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT action, COUNT(*) FROM decisions GROUP BY action") { counts[row[0]] = row[1] }
        return counts
    }

    /// Records what the drift scheduler did for a suite (`started`, `skipped_overlap`, `caught_up`, `failed`).
    public func recordScheduleEvent(suite: String, kind: String, detail: String, at date: Date = Date()) throws {
        try db.execute(sql: "INSERT INTO schedule_events (suite, at, kind, detail) VALUES (?, ?, ?, ?)",
                       arguments: [suite, date, kind, detail])
    }

    /// The scheduler's events for a suite, oldest first.
    public func scheduleEvents(suite: String) throws -> [(at: Date, kind: String, detail: String)] {
        try Row.fetchAll(db, sql: "SELECT at, kind, detail FROM schedule_events WHERE suite = ? ORDER BY id", arguments: [suite])
            .map { ($0["at"], $0["kind"], $0["detail"]) }
    }

    /// When the scheduler last started a run of the suite, if ever.
    public func lastScheduledRun(suite: String) throws -> Date? {
        try Date.fetchOne(db, sql: "SELECT MAX(at) FROM schedule_events WHERE suite = ? AND kind IN ('started', 'caught_up')", arguments: [suite])
    }

    /// Drift results by verdict.
    public func driftCounts() throws -> (clean: Int, drifted: Int) {
        let drifted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM drift_results WHERE drifted") ?? 0
        let all = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM drift_results") ?? 0
        return (all - drifted, drifted)
    }

    /// Counts of runs by status.
    public func runCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM runs GROUP BY status") { counts[row[0]] = row[1] }
        return counts
    }

    /// Alerts received, newest first.
    public func alerts(limit: Int? = nil) throws -> [StoredAlert] {
        var request = StoredAlert.order(Column("id").desc)
        if let limit { request = request.limit(limit) }
        return try request.fetchAll(db)
    }

    /// Stores a scored eval answer; the answer passes through `text` (scorers saw the raw one).
    @discardableResult
    public func insertEvalResult(_ result: StoredEvalResult, text: StoredTextPolicy = .standard) throws -> StoredEvalResult {
        var result = result
        result.answer = text.stored(result.answer)
        // Scorer details may quote the answer ("expected …, got …").
        result.details = text.diagnostic(result.details) ?? "[]"
        try result.insert(db)
        return result
    }

    public func evalResults(runID: String) throws -> [StoredEvalResult] {
        try StoredEvalResult.filter(Column("run_id") == runID).order(Column("id")).fetchAll(db)
    }

    @discardableResult
    public func insertDriftResult(_ result: StoredDriftResult) throws -> StoredDriftResult {
        var result = result
        try result.insert(db)
        return result
    }

    /// A drift suite's results, newest first.
    public func driftResults(suite: String, limit: Int? = nil) throws -> [StoredDriftResult] {
        var request = StoredDriftResult.filter(Column("suite") == suite).order(Column("at").desc, Column("id").desc)
        if let limit { request = request.limit(limit) }
        return try request.fetchAll(db)
    }

    // MARK: Ids

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
