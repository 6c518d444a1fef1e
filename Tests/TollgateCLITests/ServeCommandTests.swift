import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport

@Suite struct ServeAndAlertFileTests {
    /// A rollout run whose pipeline rolls back on `alertname=ModelHighErrorRate, model=cli-model`.
    static func rolloutRun(in folder: TemporaryFolder, db: String) throws -> String {
        let yaml = PipelineYAML.alertable(name: "cli-alerts", model: "cli-model",
                                          rollbackOn: "    - alert: { match: { alertname: ModelHighErrorRate, model: cli-model } }")
        try yaml.write(in: folder.url, fileName: "p.yaml")
        let text = yaml.text
        let store = try RunStore(path: db)
        let run = try store.createRun(NewRun(kind: .rollout, name: "cli-alerts", target: "cli-model", pipelineText: text))
        try store.close()
        return run.id
    }

    @Test func anAlertFileRollsBackTheMatchingRunOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("a.db")
        let runID = try Self.rolloutRun(in: folder, db: db)
        let payload = #"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"ModelHighErrorRate","model":"cli-model"},"annotations":{"summary":"5xx"},"startsAt":"2026-11-30T01:00:00.123456789Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"abc123"}]}"#
        try payload.write(toFile: folder.path("alert.json"), atomically: true, encoding: .utf8)
        let first = try await CLI.run(["rollback", "--alert-file", folder.path("alert.json"), "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("abc123 firing: rollback requested for \(runID)"))
        let again = try await CLI.run(["rollback", "--alert-file", folder.path("alert.json"), "--db", db])
        #expect(again.stdout.contains("abc123 firing (already received): matched no active run"))
        let store = try RunStore(path: db)
        let commands = try store.events(runID: runID).filter { $0.kind == "command" }
        #expect(commands.count == 1)
        struct Asked: Decodable { var command: String; var source: String }
        let asked = try commands.first?.payload(as: Asked.self)
        #expect(asked?.source == "alert:abc123" && asked?.command == "rollback")

        try "{not json".write(toFile: folder.path("bad.json"), atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["rollback", "--alert-file", folder.path("bad.json"), "--db", db])
        #expect(bad.status == 2)
        #expect(try store.read { try $0.alerts() }.count == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func serveStopsGracefullyOnSIGTERM() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let child = try CLI.start(["serve", "--listen", "127.0.0.1:0", "--db", folder.path("s.db")], environment: ["TOLLGATE_TOKEN": "sigterm-test"])
        defer { child.stop() }
        let listening = await waitUntil(timeout: .seconds(20)) { child.stdout.contains("listening on") }
        #expect(listening, "\(child.stderr)")
        child.signal(SIGTERM)
        let status = await child.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "\(child.stdout) \(child.stderr)")
        #expect(child.stdout.contains("tollgate serve stopped"))
        let store = try RunStore(path: folder.path("s.db"))
        #expect(try store.read { try $0.runs() }.isEmpty)
    }

    @Test func serveRefusesToStartWithoutAToken() async throws {
        let result = try await CLI.run(["serve", "--listen", "127.0.0.1:0"], environment: ["TOLLGATE_TOKEN": ""])
        #expect(result.status == 2)
        #expect(result.stderr.contains("set TOLLGATE_TOKEN"))
    }
}

@Suite struct StatsAndJudgeCommandTests {
    @Test func mannWhitneyPrintsTheStatisticAndPValueAsJSON() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try "1\n2\n3\n4\n5\n".write(toFile: folder.path("a.txt"), atomically: true, encoding: .utf8)
        try "[6, 7, 8, 9, 10]".write(toFile: folder.path("b.txt"), atomically: true, encoding: .utf8)
        let result = try await CLI.run(["stats", "mannwhitney", "--a", folder.path("a.txt"), "--b", folder.path("b.txt"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        // scipy.stats.mannwhitneyu([1..5], [6..10]) → U = 0, exact two-sided p = 2/252.
        #expect(object?["statistic"] as? Double == 0)
        let p = try #require(object?["p_value"] as? Double)
        #expect(abs(p - 2.0 / 252.0) < 1e-12)
    }

    @Test func badNumberFilesAreRefusedWithTheLine() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try "1\nabc\n3\n".write(toFile: folder.path("a.txt"), atomically: true, encoding: .utf8)
        try "4\n5\n".write(toFile: folder.path("b.txt"), atomically: true, encoding: .utf8)
        let result = try await CLI.run(["stats", "welch", "--a", folder.path("a.txt"), "--b", folder.path("b.txt")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("2"))
    }
}
