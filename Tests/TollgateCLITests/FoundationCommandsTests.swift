import Foundation
import GRDB
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport

/// The CLI tests run the real `tollgate` executable (TollgateTestSupport's runner).
typealias CLI = TollgateCLI

@Suite struct ValidateCommandTests {
    @Test func shippedExamplesAreValid() async throws {
        let result = try await CLI.run(["validate", "pipelines/support-chat.yaml", "pipelines/minimal.yaml",
                                        "evalsuites/support-quality.yaml", "evalsuites/support-drift.yaml"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("pipelines/support-chat.yaml: ok (pipeline)"))
        #expect(result.stdout.contains("evalsuites/support-drift.yaml: ok (driftsuite)"))
    }

    @Test func invalidFilesPrintEveryProblemAndExitTwo() async throws {
        let bad = "Tests/TollgateCoreTests/Fixtures/malformed/several-problems.yaml"
        let result = try await CLI.run(["validate", "pipelines/minimal.yaml", bad])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("pipelines/minimal.yaml: ok (pipeline)"))
        #expect(lines.contains("\(bad):16:1: unknown key 'stagse' in the pipeline (did you mean 'stages'?)"))
        #expect(lines.filter { $0.hasPrefix(bad) }.count == 5)
        #expect(result.stderr.contains("5 problems in 1 of 2 files."))
    }

    @Test func jsonOutputIsMachineReadable() async throws {
        let bad = "Tests/TollgateCoreTests/Fixtures/malformed/weight-100.yaml"
        let result = try await CLI.run(["validate", "--json", bad])
        #expect(result.status == 2)
        let decoded = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        let first = try #require(decoded?.first)
        #expect(first["valid"] as? Bool == false)
        let errors = try #require(first["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors[0]["line"] as? Int == 16)
        #expect(errors[0]["column"] as? Int == 23)
    }

    @Test func aMissingFileIsReportedNotCrashed() async throws {
        let result = try await CLI.run(["validate", "no/such/file.yaml"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("no/such/file.yaml:1:1: cannot read the file"))
    }
}

@Suite struct ChecklistCommandTests {
    @Test func strictPassesWhenRequiredItemsAreDeclared() async throws {
        let result = try await CLI.run(["checklist", "--strict", "pipelines/support-chat.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1. Model Identity (5/5 declared)"))
        #expect(result.stdout.contains("model.candidate.revision: 9ab1d00"))
    }

    @Test func strictFailsNamingTheMissingRequiredItem() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try String(contentsOfFile: CLI.root.appendingPathComponent("pipelines/minimal.yaml").path, encoding: .utf8)
        let text = source.replacingOccurrences(of: "../traffic/support.jsonl", with: CLI.root.appendingPathComponent("traffic/support.jsonl").path)
            + "checklist:\n  required: [model.identity, autoscaling.cold_start]\n"
        try text.write(toFile: folder.path("p.yaml"), atomically: true, encoding: .utf8)
        let result = try await CLI.run(["checklist", "--strict", folder.path("p.yaml")])
        #expect(result.status == 2)
        #expect(result.stdout.contains("[MISSING (required)] Cold start time measured and documented"))
        #expect(result.stderr.contains("model.identity, autoscaling.cold_start"))
        let json = try await CLI.run(["checklist", "--format", "json", folder.path("p.yaml")])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["missing_required"] as? [String] == ["model.identity", "autoscaling.cold_start"])
    }
}

@Suite struct HistoryAndShowTests {
    @Test func historyListsRunsNewestFirstAndShowPrintsTheJournal() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("h.db")
        let store = try RunStore(path: db)
        let older = try store.createRun(NewRun(kind: .replay, name: "older"), at: Date(timeIntervalSince1970: 1_790_000_000))
        let newer = try store.createRun(NewRun(kind: .rollout, name: "support-chat-2.4", target: "support-chat",
                                               pipelineText: "version: 1", baselineVersion: "2.3.1", candidateVersion: "2.4.0"),
                                        at: Date(timeIntervalSince1970: 1_790_000_100))
        struct Weight: Encodable { var weight: Int }
        try store.appendEvent(runID: newer.id, kind: "weight_set", payload: Weight(weight: 5))
        try store.write { try $0.setStatus(runID: newer.id, status: .rolledBack, outcome: "ttft_ms regressed") }
        try store.close()

        let history = try await CLI.run(["history", "--db", db])
        #expect(history.status == 0, "\(history.stderr)")
        let lines = history.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix(newer.id) && lines[1].contains("2.3.1 → 2.4.0") && lines[1].contains("rolled_back"))
        #expect(lines[2].hasPrefix(older.id))

        let viaEnv = try await CLI.run(["history", "--json"], environment: ["TOLLGATE_DB": db])
        let runs = try JSONSerialization.jsonObject(with: Data(viaEnv.stdout.utf8)) as? [[String: Any]]
        #expect(runs?.map { $0["id"] as? String } == [newer.id, older.id])
        // One shape for a run in every list (history, rollout list, GET /v1/runs).
        let keys = Set(runs?.first?.keys.map { $0 } ?? [])
        #expect(keys.isSuperset(of: ["id", "kind", "name", "status", "state", "created_at"]), "\(viaEnv.stdout)")

        let show = try await CLI.run(["show", "--db", db, String(newer.id.prefix(22))])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("status:   rolled_back — ttft_ms regressed"))
        #expect(show.stdout.contains("weight_set") && show.stdout.contains(#"{"weight":5}"#))

        let showJSON = try await CLI.run(["show", "--db", db, "--json", newer.id])
        let object = try JSONSerialization.jsonObject(with: Data(showJSON.stdout.utf8)) as? [String: Any]
        let events = object?["events"] as? [[String: Any]]
        #expect(events?.count == 2)
        #expect((events?[1]["payload"] as? [String: Any])?["weight"] as? Int == 5)
    }

    @Test func unknownRunExitsTwoWithAHint() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try RunStore(path: folder.path("empty.db"))
        let result = try await CLI.run(["show", "--db", folder.path("empty.db"), "nope"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("No run with id 'nope'"))
    }

    @Test func aNewerDatabaseIsRefusedWithAClearMessage() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("future.db")
        let store = try RunStore(path: db)
        _ = try store.write { tx in _ = try tx.appendEvent(runID: try tx.createRun(NewRun(kind: .replay, name: "x")).id, kind: "k", payload: [String: String]()) }
        try store.close()
        // Mark the file as migrated by a future version.
        let queue = try DatabaseQueue(path: db)
        try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-future')") }
        try queue.close()
        let result = try await CLI.run(["history", "--db", db])
        #expect(result.status == 1)
        #expect(result.stderr.contains("written by a newer Tollgate"))
    }
}
