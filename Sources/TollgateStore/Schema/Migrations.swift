import GRDB

/// The versioned schema of Tollgate's run-history database.
///
/// Migrations are registered in order and never edited once released: a schema change
/// is a new migration appended at the end. `knownIdentifiers.last` is what this build knows.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs-journal-samples") { db in
            try db.create(table: "runs") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("name", .text).notNull()
                t.column("target", .text)
                t.column("pipeline_path", .text)
                t.column("pipeline_text", .text)
                t.column("pipeline_sha256", .text)
                t.column("baseline_version", .text)
                t.column("candidate_version", .text)
                t.column("status", .text).notNull()
                t.column("outcome", .text)
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("finished_at", .datetime)
            }
            try db.create(index: "runs_by_created", on: "runs", columns: ["created_at"])
            try db.create(index: "runs_by_target_status", on: "runs", columns: ["target", "status"])

            try db.create(table: "events") { t in
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("seq", .integer).notNull()
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("payload", .text).notNull()
                t.primaryKey(["run_id", "seq"])
            }

            try db.create(table: "stages") { t in
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("name", .text).notNull()
                t.column("weight", .integer)
                t.column("status", .text).notNull()
                t.column("started_at", .datetime)
                t.column("finished_at", .datetime)
                t.primaryKey(["run_id", "idx"])
            }

            try db.create(table: "samples") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("stage", .integer)
                t.column("request_id", .text).notNull()
                t.column("arm", .text).notNull()
                t.column("started_at", .datetime).notNull()
                t.column("first_byte_ms", .double)
                t.column("ttft_ms", .double)
                t.column("e2e_ms", .double)
                t.column("chunk_times", .blob).notNull()
                t.column("input_tokens", .integer)
                t.column("output_tokens", .integer)
                t.column("tokens_estimated", .boolean).notNull()
                t.column("finish_reason", .text)
                t.column("http_status", .integer)
                t.column("bytes", .integer).notNull()
                t.column("error_class", .text)
                t.column("error_message", .text)
                t.column("attempts", .integer).notNull()
                t.column("response_text", .text)
                t.column("tags", .text).notNull()
            }
            try db.create(index: "samples_by_run_stage_arm", on: "samples", columns: ["run_id", "stage", "arm"])

            try db.create(table: "verdicts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("stage", .integer)
                t.column("at", .datetime).notNull()
                t.column("decision", .text).notNull()
                t.column("score", .double)
                t.column("payload", .text).notNull()
            }
            try db.create(index: "verdicts_by_run", on: "verdicts", columns: ["run_id", "stage"])

            try db.create(table: "decisions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("stage", .integer)
                t.column("at", .datetime).notNull()
                t.column("action", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("payload", .text).notNull()
            }
            try db.create(index: "decisions_by_run", on: "decisions", columns: ["run_id"])

            try db.create(table: "alerts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("fingerprint", .text).notNull()
                t.column("status", .text).notNull()
                t.column("labels", .text).notNull()
                t.column("annotations", .text).notNull()
                t.column("starts_at", .datetime)
                t.column("ends_at", .datetime)
                t.column("received_at", .datetime).notNull()
                t.column("source", .text).notNull()
                t.column("raw", .text).notNull()
            }
            try db.create(index: "alerts_by_fingerprint", on: "alerts", columns: ["fingerprint", "status", "starts_at"])

            try db.create(table: "eval_results") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("suite", .text).notNull()
                t.column("case_id", .text).notNull()
                t.column("arm", .text).notNull()
                t.column("repetition", .integer).notNull()
                t.column("passed", .boolean).notNull()
                t.column("score", .double).notNull()
                t.column("answer", .text)
                t.column("details", .text).notNull()
            }
            try db.create(index: "eval_results_by_run", on: "eval_results", columns: ["run_id", "suite"])

            try db.create(table: "drift_results") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("suite", .text).notNull()
                t.column("run_id", .text).references("runs", onDelete: .setNull)
                t.column("at", .datetime).notNull()
                t.column("drifted", .boolean).notNull()
                t.column("summary", .text).notNull()
                t.column("payload", .text).notNull()
            }
            try db.create(index: "drift_results_by_suite", on: "drift_results", columns: ["suite", "at"])

            try db.create(table: "leases") { t in
                t.primaryKey("target", .text)
                t.column("run_id", .text).notNull()
                t.column("owner", .text).notNull()
                t.column("heartbeat_at", .datetime).notNull()
                t.column("expires_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2-alert-dedupe") { db in
            // Alertmanager re-sends groups: one row per (fingerprint, status, start), whatever the repeats.
            try db.alter(table: "alerts") { t in t.add(column: "dedupe_key", .text) }
            try db.execute(sql: "UPDATE alerts SET dedupe_key = 'legacy-' || id")
            try db.create(index: "alerts_dedupe", on: "alerts", columns: ["dedupe_key"], unique: true)
            try db.create(table: "alert_actions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("alert_id", .integer).notNull().references("alerts", onDelete: .cascade)
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("at", .datetime).notNull()
                t.column("action", .text).notNull()
                t.uniqueKey(["alert_id", "run_id"])
            }
        }
        migrator.registerMigration("v3-schedule-events") { db in
            // What the drift scheduler of `tollgate serve` did: runs started, skipped (overlap), caught up.
            try db.create(table: "schedule_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("suite", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(index: "schedule_events_by_suite", on: "schedule_events", columns: ["suite", "at"])
        }
        migrator.registerMigration("v4-retention-prune-audit") { db in
            // How long a run's samples and texts are kept (its pipeline's security.logging.retention).
            try db.create(table: "run_retention") { t in
                t.primaryKey("run_id", .text).references("runs", onDelete: .cascade)
                t.column("seconds", .double).notNull()
            }
            // What `tollgate prune` (or serve's schedule) removed: one row per table and action.
            try db.create(table: "prune_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("table_name", .text).notNull()
                t.column("action", .text).notNull()
                t.column("rows", .integer).notNull()
                t.column("detail", .text).notNull()
            }
            // Every state-changing call of serve's API and the gateway's admin API: who (token name), what, when.
            try db.create(table: "audit_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("token", .text).notNull()
                t.column("method", .text).notNull()
                t.column("path", .text).notNull()
                t.column("status", .integer).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(index: "audit_events_by_at", on: "audit_events", columns: ["at"])
            try db.create(index: "samples_by_started", on: "samples", columns: ["started_at"])
        }
        migrator.registerMigration("v5-live-sample-copies") { db in
            // A live canary copies the gateway's samples by row id: each copy names its source
            // row, so a slow request written after faster ones is copied too, and none twice.
            try db.alter(table: "samples") { t in t.add(column: "source_sample_id", .integer) }
            try db.create(index: "samples_copied_once", on: "samples", columns: ["run_id", "source_sample_id"], unique: true)
        }
        return migrator
    }
}
