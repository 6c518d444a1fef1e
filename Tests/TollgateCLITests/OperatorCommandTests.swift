import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport

/// Operator commands on a run nobody drives, and their exit codes.
@Suite struct OperatorCommandTests {
    /// A pipeline whose router is a shell command (by default one that only echoes: nothing is
    /// contacted), whose candidate may need an API key from `keyVariable`, replaying `traffic`
    /// (by default a one-line file written here).
    static func pipeline(in folder: TemporaryFolder, stages: String = """
          - canary: { weight: 10, min_samples: 100, max_duration: 5m }
          - full: {}
        """, router: String = "echo candidate={weight}", keyVariable: String? = nil, traffic: String? = nil) throws -> String {
        var yaml = PipelineYAML(name: "operator-test")
        yaml.model = "operator-model"
        yaml.candidate = .init(version: "2.0", apiKeyEnv: keyVariable)
        yaml.traffic = "source: \(traffic ?? folder.path("traffic.jsonl"))"
        yaml.router = "type: command, command: \"\(router)\""
        yaml.stages = stages
        return try yaml.write(in: folder.url)
    }

    /// `start --detach` leaves a lease held by a process that has exited: nobody drives the run.
    /// `rollback` must see that (the owner is gone) and roll back at once, exiting 0 like it does
    /// when a live driver takes the command.
    @Test func rollbackOfARunWhoseDriverIsGoneIsAppliedAtOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let pipeline = try Self.pipeline(in: folder)
        let start = try await CLI.run(["rollout", "start", pipeline, "--detach", "--db", db])
        #expect(start.status == 0, "\(start.stdout)\(start.stderr)")
        let runID = try #require(start.stdout.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })

        let rollback = try await CLI.run(["rollout", "rollback", runID, "--reason", "bad answers", "--db", db])
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(rollback.stdout.contains("ROLLED BACK"), "the command was left for a driver that is gone: \(rollback.stdout)")
        let status = try await CLI.run(["rollout", "status", runID, "--json", "--db", db])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(report["phase"] as? String == "rolled_back")
    }

    @Test func abortOfARunNobodyDrivesExitsZeroToo() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("runs.db")
        let start = try await CLI.run(["rollout", "start", try Self.pipeline(in: folder), "--detach", "--db", db])
        let runID = try #require(start.stdout.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })
        let abort = try await CLI.run(["rollout", "abort", runID, "--reason", "wrong build", "--db", db])
        #expect(abort.status == 0, "\(abort.stdout)\(abort.stderr)")
        #expect(abort.stdout.contains("ABORTED"))
    }
}
