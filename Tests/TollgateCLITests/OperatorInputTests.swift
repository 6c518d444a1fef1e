import Foundation
import Testing
import TollgateStore
import TollgateTestSupport

/// User text on output, reasons, and which run an operator command means.
@Suite struct OperatorInputTests {
    @Test func controlCharactersInAReasonAreEscapedByExplainAndStatus() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let start = try await CLI.run(["rollout", "start", try OperatorCommandTests.pipeline(in: folder), "--detach", "--db", db])
        let runID = try #require(start.stdout.split(separator: " ").dropFirst().first.map { String($0.dropLast()) }, "\(start.stdout)\(start.stderr)")
        // (A NUL cannot pass through argv; Output escapes it like any other control character.)
        let forged = "bad\u{1B}[2J\u{1B}[HFAKE: PROMOTED\u{7}"
        let rollback = try await CLI.run(["rollout", "rollback", runID, "--reason", forged, "--db", db])
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        for command in [["rollout", "explain", runID], ["rollout", "status", runID], ["show", runID]] {
            let result = try await CLI.run(command + ["--db", db])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(!result.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 7 }, "\(command) printed raw control characters")
            #expect(result.stdout.contains(#"bad\u{1B}[2J\u{1B}[HFAKE: PROMOTED\u{7}"#), "\(command): \(result.stdout)")
        }
    }

    @Test func anEmptyRunIDIsNoPrefixOfAnyRun() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let start = try await CLI.run(["rollout", "start", try OperatorCommandTests.pipeline(in: folder), "--detach", "--db", db])
        #expect(start.status == 0)
        let show = try await CLI.run(["show", "", "--db", db])
        #expect(show.status == 2, "\(show.stdout)")
        let status = try await CLI.run(["rollout", "status", "", "--db", db])
        #expect(status.status == 2, "\(status.stdout)")
    }

    /// With one rollout, RUN may be left out; with two, a command that changes a run must name it.
    @Test func operatorCommandsNameTheRunWhenThereAreSeveral() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let pipeline = try OperatorCommandTests.pipeline(in: folder)
        _ = try await CLI.run(["rollout", "start", pipeline, "--detach", "--db", db])
        let first = try await CLI.run(["rollout", "abort", "--reason", "the only run", "--db", db])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let second = try await CLI.run(["rollout", "start", pipeline, "--detach", "--db", db])
        #expect(second.status == 0, "\(second.stderr)")
        let unnamed = try await CLI.run(["rollout", "rollback", "--reason", "which one?", "--db", db])
        #expect(unnamed.status == 2, "\(unnamed.stdout)")
        #expect(unnamed.stderr.contains("several rollouts; name the run"), "\(unnamed.stderr)")
        let runs = try RunStore(path: db).runs()
        #expect(runs.first?.status == .running, "the newest run was acted on without being named")
        #expect(try await CLI.run(["rollout", "status", "--db", db]).status == 0, "reading the newest needs no name")
    }

    @Test func promoteRollbackAndAbortNeedAReason() async throws {
        for command in ["promote", "rollback", "abort"] {
            let result = try await CLI.run(["rollout", command, "some-run", "--db", "/nonexistent/runs.db"])
            #expect(result.status == 64, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("--reason"), "\(command): \(result.stderr)")
        }
    }
}

/// What a newcomer reads: help that matches behaviour, progress lines with one weight.
@Suite struct NewcomerOutputTests {
    @Test(arguments: ["replay", "shadow"])
    func theDatabaseHelpOfReplayAndShadowSaysNothingIsStoredWithoutIt(command: String) async throws {
        let help = try await CLI.run([command, "--help"])
        #expect(help.stdout.contains("Without either, nothing is stored"), "\(help.stdout)")
        #expect(!help.stdout.contains(".tollgate/tollgate.db"), "\(help.stdout)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aStageStartLineShowsOneWeight() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let start = try CLI.start(["rollout", "start", try OperatorCommandTests.pipeline(in: folder), "--db", folder.path("runs.db")])
        defer { start.stop() }
        let started = await waitUntil(timeout: .seconds(30)) { start.stdout.contains("started (candidate weight 10%)") }
        #expect(started, "\(start.stdout)\(start.stderr)")
        let line = start.stdout.split(separator: "\n").first { $0.contains("started (candidate weight 10%)") } ?? ""
        #expect(!line.contains("w="), "two weights on one line: \(line)")
    }
}
