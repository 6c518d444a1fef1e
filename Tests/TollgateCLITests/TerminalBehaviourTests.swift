import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport

/// What a user meets at the terminal: read commands on a missing database, `help` of an unknown
/// command, `status --watch` into a pipe, and one JSON convention.
@Suite struct TerminalBehaviourTests {
    @Test func readCommandsNeverCreateADatabase() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("nonexistent/dir/x.db")
        for command in [["history"], ["show", "abc"], ["rollout", "list"], ["rollout", "status"], ["drift", "history", "x"]] {
            let result = try await CLI.run(command + ["--db", db])
            #expect(result.status == 1, "\(command): \(result.status) \(result.stdout)")
            #expect(result.stderr.contains(db), "\(command) does not name the path: \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.path("nonexistent")), "\(command) created the folder")
        }
    }

    @Test func helpOfAnUnknownCommandFails() async throws {
        let unknown = try await CLI.run(["help", "nosuch"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no command 'nosuch'"))
        let nested = try await CLI.run(["help", "rollout", "nosuch"])
        #expect(nested.status == 64)
        let known = try await CLI.run(["help", "rollout", "status"])
        #expect(known.status == 0, "\(known.stderr)")
        #expect(known.stdout.contains("--watch"))
    }

    @Test func listAndStatusAgreeAndWatchingAPipeWritesPlainTextOrJSONLines() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pipeline = try OperatorCommandTests.pipeline(in: folder, stages: """
              - canary: { weight: 10, min_samples: 100, max_duration: 5m }
              - approval: { note: "look first" }
              - full: {}
            """)
        let db = folder.path("runs.db")
        // No traffic can be judged (nothing listens on port 9); an operator promotes the canary
        // by hand so the run reaches its approval gate.
        let start = try await CLI.run(["rollout", "start", pipeline, "--detach", "--db", db])
        let runID = try #require(start.stdout.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })
        let promoted = try await CLI.run(["rollout", "promote", runID, "--reason", "checked by hand", "--db", db])
        #expect(promoted.status == 0, "\(promoted.stdout)\(promoted.stderr)")
        let resumed = try await CLI.run(["rollout", "resume", runID, "--exit-on-wait", "--quiet", "--db", db])
        #expect(resumed.status == 4, "\(resumed.stdout)\(resumed.stderr)")

        let status = try await CLI.run(["rollout", "status", runID, "--json", "--db", db])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(report["phase"] as? String == "awaiting_approval")
        #expect(report["pending_commands"] != nil, "keys are snake_case: \(report.keys.sorted())")
        let list = try await CLI.run(["rollout", "list", "--json", "--db", db])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["state"] as? String == "awaiting_approval", "\(list.stdout)")
        #expect(rows.first?["baseline_version"] as? String == "1.0")

        let aborted = try await CLI.run(["rollout", "abort", runID, "--reason", "wrong build", "--db", db])
        #expect(aborted.status == 0, "\(aborted.stdout)\(aborted.stderr)")
        let watched = try await CLI.run(["rollout", "status", runID, "--watch", "--db", db])
        #expect(watched.status == 0)
        #expect(!watched.stdout.contains("\u{1B}["), "escapes written into a pipe")
        #expect(watched.stdout.contains("state:  aborted"), "\(watched.stdout)")
        let lines = try await CLI.run(["rollout", "status", runID, "--watch", "--json", "--db", db])
        let documents = lines.stdout.split(separator: "\n")
        #expect(documents.count == 1, "JSON Lines: one compact document per refresh: \(lines.stdout)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(documents[0].utf8)) as? [String: Any])
        #expect(document["phase"] as? String == "aborted")
    }

    @Test func rolloutsAreFoundPastHundredsOfRunsOfOtherKinds() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let store = try RunStore(path: db)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let rollout = try store.createRun(NewRun(kind: .rollout, name: "old-rollout", target: "m", pipelineText: "version: 1"), at: start)
        try store.write { tx in
            for i in 1...210 { _ = try tx.createRun(NewRun(kind: .replay, name: "replay \(i)"), at: start.addingTimeInterval(Double(i))) }
        }
        let list = try await CLI.run(["rollout", "list", "--json", "--db", db])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list.stdout)\(list.stderr)")
        #expect(rows.map { $0["id"] as? String } == [rollout.id])
        let status = try await CLI.run(["rollout", "status", "--json", "--db", db])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains(rollout.id), "the newest rollout was not found: \(status.stderr)")
    }
}
