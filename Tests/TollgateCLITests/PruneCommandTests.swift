import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport

/// `tollgate prune` through the real executable: dry run, the window from the environment, `--all`.
@Suite struct PruneCommandTests {
    static func seeded(_ db: String) throws -> String {
        let store = try RunStore(path: db)
        defer { try? store.close() }
        let old = Date().addingTimeInterval(-40 * 86400)
        let run = try store.createRun(NewRun(kind: .replay, name: "old", status: .completed), at: old)
        try store.insertSamples((0..<30).map { Sample(requestID: "r\($0)", arm: .baseline, startedAt: old, responseText: "text") },
                                runID: run.id, stage: nil)
        return run.id
    }

    @Test func aDryRunCountsAndThePruneDeletesSamplesButKeepsTheRun() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let db = folder.path("p.db")
        let id = try Self.seeded(db)
        let dry = try await CLI.run(["prune", "--dry-run", "--json", "--db", db], environment: ["TOLLGATE_RETENTION": "30d"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains(#""rows" : 30"#), "\(dry.stdout)")
        #expect(try RunStore(path: db).samples(runID: id).count == 30)

        let pruned = try await CLI.run(["prune", "--db", db], environment: ["TOLLGATE_RETENTION": "30d"])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.contains("samples") && pruned.stdout.contains("deleted"), "\(pruned.stdout)")
        let store = try RunStore(path: db)
        #expect(try store.samples(runID: id).isEmpty)
        #expect(try store.run(id).status == .completed)

        let all = try await CLI.run(["prune", "--older-than", "30d", "--all", "--db", db])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(throws: StoreError.self) { try RunStore(path: db).run(id) }
    }

    @Test func badDurationsAreInputErrors() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let flag = try await CLI.run(["prune", "--older-than", "soon", "--db", folder.path("x.db")])
        #expect(flag.status != 0 && flag.stderr.contains("--older-than"))
        let env = try await CLI.run(["prune", "--db", folder.path("x.db")], environment: ["TOLLGATE_RETENTION": "forever"])
        #expect(env.status == 2 && env.stderr.contains("TOLLGATE_RETENTION"), "\(env.stderr)")
    }
}
