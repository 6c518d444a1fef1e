import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport

/// A `rollout start` that cannot work leaves no run behind; one that fails after the run exists
/// ends it `failed` with the reason and frees the target for the next start.
@Suite struct FailedStartTests {
    static func pipeline(in folder: TemporaryFolder, router: String = "echo candidate={weight}", keyVariable: String? = nil,
                         traffic: String? = nil) throws -> String {
        try OperatorCommandTests.pipeline(in: folder, router: router, keyVariable: keyVariable, traffic: traffic)
    }

    @Test func aStartWithoutTheCandidatesAPIKeyCreatesNoRun() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let pipeline = try Self.pipeline(in: folder, keyVariable: "FAILED_START_MISSING_KEY")
        for arguments in [["rollout", "start", pipeline], ["rollout", "start", pipeline, "--detach"]] {
            let start = try await CLI.run(arguments + ["--db", db], environment: ["FAILED_START_MISSING_KEY": ""])
            #expect(start.status == 2, "\(arguments): \(start.stdout)\(start.stderr)")
            #expect(start.stderr.contains("FAILED_START_MISSING_KEY"), "\(start.stderr)")
            let store = try RunStore(path: db)
            #expect(try store.runs().isEmpty, "\(arguments) left a run behind")
            #expect(try store.read { try $0.lease(target: "operator-model") } == nil)
        }
    }

    @Test func aStartWithAnUnreadableTrafficFileCreatesNoRun() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let pipeline = try Self.pipeline(in: folder, traffic: folder.path("missing.jsonl"))
        let start = try await CLI.run(["rollout", "start", pipeline, "--db", db])
        #expect(start.status == 2, "\(start.stdout)\(start.stderr)")
        #expect(start.stderr.contains("missing.jsonl"), "\(start.stderr)")
        #expect(try RunStore(path: db).runs().isEmpty)
    }

    /// The router fails only when the first canary sets its weight: the run exists by then. It must
    /// end `failed` with the router's message, release the lease (a retry is not refused), and so
    /// never be adopted by `tollgate serve` (which drives only running, paused or waiting runs).
    @Test func aStartThatFailsAfterTheRunExistsEndsItFailedAndReleasesTheLease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let pipeline = try Self.pipeline(in: folder, router: "echo no route for {weight} >&2; exit 7")
        let first = try await CLI.run(["rollout", "start", pipeline, "--quiet", "--db", db])
        #expect(first.status == 1, "\(first.stdout)\(first.stderr)")
        let store = try RunStore(path: db)
        let run = try #require(try store.runs().first)
        #expect(run.status == .failed)
        let finished = try #require(try store.events(runID: run.id).last)
        #expect(finished.kind == "failed")
        struct Failure: Decodable { var reason: String; var trigger: String }
        let failure = try finished.payload(as: Failure.self)
        #expect(failure.trigger == "failure" && failure.reason.contains("no route for 10"), "\(finished.payload)")
        #expect(try store.read { try $0.lease(target: "operator-model") } == nil)

        let retry = try await CLI.run(["rollout", "start", pipeline, "--quiet", "--db", db])
        #expect(retry.status == 1)
        #expect(!retry.stderr.contains("already has an active run"), "the failed run kept its lease: \(retry.stderr)")
        #expect(try store.runs().count == 2)
    }
}

/// `validate` refuses a pipeline whose traffic file has no usable request.
@Suite struct EmptyTrafficValidationTests {
    @Test(arguments: ["", "not json\n{\"no\": \"messages\"}\n[1]\n"])
    func aTrafficFileWithNoUsableRequestIsAnError(content: String) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let traffic = folder.path("traffic.jsonl")
        try content.write(toFile: traffic, atomically: true, encoding: .utf8)
        let pipeline = try FailedStartTests.pipeline(in: folder, traffic: traffic)
        let result = try await CLI.run(["validate", pipeline])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        if content.isEmpty {
            #expect(result.stdout.contains("traffic.jsonl:1:1: the traffic file has no request (it is empty)"), "\(result.stdout)")
        } else {
            #expect(result.stdout.contains("traffic.jsonl:1:1: the traffic file has no usable request: all 3 non-empty lines are malformed (first: line 1: not valid JSON)"), "\(result.stdout)")
        }
        // The summary goes to stderr on its own line, never glued to the last problem.
        #expect(result.stderr.hasPrefix("1 problem in 1 of 1 file."), "\(result.stderr)")
        #expect(!result.stdout.contains("ok (pipeline)"))
        let start = try await CLI.run(["rollout", "start", pipeline, "--db", folder.path("runs.db")])
        #expect(start.status == 2, "\(start.stdout)\(start.stderr)")
    }
}

/// Which commands create a database: writing commands create a missing one and say so; read
/// commands never do.
@Suite struct DatabaseCreationTests {
    @Test func aWritingCommandCreatesAMissingDatabaseWithANoticeAndAReadCommandNever() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let fresh = folder.path("fresh.db")
        let start = try await CLI.run(["rollout", "start", try OperatorCommandTests.pipeline(in: folder), "--detach", "--db", fresh])
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stderr.contains("created a new, empty database at \(fresh)"), "\(start.stderr)")
        let again = try await CLI.run(["rollout", "abort", "--reason", "done", "--db", fresh])
        #expect(!again.stderr.contains("created a new"), "an existing database was announced as new: \(again.stderr)")

        let typo = folder.path("fersh.db")
        for command in [["rollout", "status"], ["rollout", "list"], ["rollout", "explain"], ["history"], ["show", "x"]] {
            let result = try await CLI.run(command + ["--db", typo])
            #expect(result.status == 1, "\(command): \(result.stdout)\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
        }
    }
}
