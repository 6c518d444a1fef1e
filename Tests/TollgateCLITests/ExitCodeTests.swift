import Foundation
import Testing
import TollgateStore
import TollgateTestSupport

/// One mapping from an error's kind to the exit code (2 bad input, 1 the world failed), and
/// ArgumentParser's own rejection of a bad enum value.
@Suite struct ExitCodeTests {
    @Test(arguments: [
        ["stats", "mannwhitney", "--a", "a.txt", "--b", "b.txt", "--alternative", "sideways"],
        ["replay", "traffic/support.jsonl", "--endpoint", "http://127.0.0.1:1/v1", "--api", "openai-images"],
        ["judge", "--samples", "s.json", "--kind", "p42"],
        ["qualify", "pipelines/minimal.yaml", "--version", "canary"],
    ])
    func aBadEnumValueGetsArgumentParsersOwnErrorWithTheValues(arguments: [String]) async throws {
        let result = try await CLI.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("Please provide one of"), "\(result.stderr)")
    }

    @Test func helpListsTheValuesOfAnEnumOption() async throws {
        let result = try await CLI.run(["stats", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("two-sided"))
        #expect(result.stdout.contains("values: two-sided, greater, less"), "\(result.stdout)")
    }

    /// Was exit 1 ("Error: The gateway configuration …") while `serve`'s configuration errors were 2.
    @Test func aGatewayConfigurationThatCannotWorkIsBadInput() async throws {
        let result = try await CLI.run(["gateway", "--listen", "127.0.0.1:0", "--baseline", "not-a-url", "--candidate", "http://127.0.0.1:1/v1"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("tollgate: "), "\(result.stderr)")
    }

    @Test(arguments: ["0", "257"])
    func aGatewayThreadCountOutOfRangeIsAUsageError(threads: String) async throws {
        let result = try await CLI.run(["gateway", "--threads", threads, "--baseline", "http://127.0.0.1:1/v1", "--candidate", "http://127.0.0.1:1/v1"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--threads must be between 1 and 256; got \(threads)."), "\(result.stderr)")
    }

    /// The service-token error said "The gateway configuration is not usable".
    @Test func aServiceTokenErrorDoesNotTalkOfTheGateway() async throws {
        let result = try await CLI.run(["serve", "--listen", "127.0.0.1:0"], environment: ["TOLLGATE_TOKENS": "ops-without-variable"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("TOLLGATE_TOKENS entries are name:VARIABLE"), "\(result.stderr)")
        #expect(!result.stderr.contains("gateway"), "\(result.stderr)")
    }

    /// Was exit 1; an unknown run id (and no rollout to default to) is 2, and so is this.
    @Test func aMeasuredChecklistWithoutAQualificationIsBadInput() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try RunStore(path: folder.path("runs.db")).close()
        let result = try await CLI.run(["checklist", "pipelines/minimal.yaml", "--measured", "--db", folder.path("runs.db")])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("No qualification of"), "\(result.stderr)")
    }

    /// Every listener failure said "Choose another port"; only a port in use does now.
    @Test(.timeLimit(.minutes(1)))
    func aPortInUseIsAnOperationalFailureThatSaysSo() async throws {
        let binary = try #require(BuiltProducts.url(of: "tollgate"))
        let first = try ChildProcess(binary, ["sim", "--listen", "127.0.0.1:0"])
        defer { first.stop() }
        #expect(await waitUntil(timeout: .seconds(20)) { first.stdout.contains("listening on") }, "\(first.stderr)")
        let port = try #require(first.stdout.split(separator: ":").dropFirst(2).first.flatMap { Int($0.prefix { $0.isNumber }) })
        let second = try await CLI.run(["gateway", "--listen", "127.0.0.1:\(port)", "--baseline", "http://127.0.0.1:1/v1", "--candidate", "http://127.0.0.1:1/v1"])
        #expect(second.status == 1, "\(second.stderr)")
        #expect(second.stderr.contains("Port \(port) is in use"), "\(second.stderr)")
        let elsewhere = try await CLI.run(["gateway", "--listen", "192.0.2.1:0", "--baseline", "http://127.0.0.1:1/v1", "--candidate", "http://127.0.0.1:1/v1"])
        #expect(elsewhere.status == 1, "\(elsewhere.stderr)")
        #expect(!elsewhere.stderr.contains("another port"), "\(elsewhere.stderr)")
    }
}

/// Every long-running command stops gracefully on SIGTERM (one ServiceGroup): a real process,
/// a signal, the exit status within a deadline.
@Suite struct GracefulStopTests {
    static func start(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil) throws -> ChildProcess {
        let binary = try #require(BuiltProducts.url(of: "tollgate"))
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "TOLLGATE_DB")
        env.merge(environment) { $1 }
        return try ChildProcess(binary, arguments, environment: env, currentDirectory: folder ?? CLI.root)
    }

    static func port(_ child: ChildProcess) -> Int? {
        guard let range = child.stdout.range(of: "listening on http://127.0.0.1:") else { return nil }
        return Int(child.stdout[range.upperBound...].prefix { $0.isNumber })
    }

    @Test(.timeLimit(.minutes(1)))
    func simStopsOnSIGTERM() async throws {
        let sim = try Self.start(["sim", "--listen", "127.0.0.1:0"])
        defer { sim.stop() }
        #expect(await waitUntil(timeout: .seconds(20)) { Self.port(sim) != nil }, "\(sim.stderr)")
        sim.signal(SIGTERM)
        #expect(await sim.waitForExit(timeout: .seconds(15)) == 0, "\(sim.stderr)")
    }

    /// An empty TOLLGATE_DB counts as unset: the gateway records nothing (it used to open
    /// .tollgate/tollgate.db in the working folder, while replay recorded nothing).
    @Test(.timeLimit(.minutes(1)))
    func gatewayStopsOnSIGTERMAndAnEmptyTollgateDBRecordsNothing() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let gateway = try Self.start(["gateway", "--listen", "127.0.0.1:0", "--baseline", "http://127.0.0.1:1/v1", "--candidate", "http://127.0.0.1:1/v1"],
                                     environment: ["TOLLGATE_DB": ""], in: folder.url)
        defer { gateway.stop() }
        #expect(await waitUntil(timeout: .seconds(20)) { Self.port(gateway) != nil }, "\(gateway.stderr)")
        gateway.signal(SIGTERM)
        #expect(await gateway.waitForExit(timeout: .seconds(15)) == 0, "\(gateway.stderr)")
        #expect(gateway.stdout.contains("\"requests\""), "the stats are printed at the end: \(gateway.stdout)")
        #expect(!gateway.stdout.contains("recording samples"))
        #expect(!FileManager.default.fileExists(atPath: folder.path(".tollgate")))
    }

    /// SIGTERM stops a replay as Ctrl-C does: sending stops, the report is printed, exit 130.
    @Test(.timeLimit(.minutes(2)))
    func replayStopsSendingOnSIGTERM() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let sim = try Self.start(["sim", "--listen", "127.0.0.1:0", "--prefill-ms", "5", "--decode-ms", "2", "--output-tokens", "8"])
        defer { sim.stop() }
        #expect(await waitUntil(timeout: .seconds(20)) { Self.port(sim) != nil }, "\(sim.stderr)")
        let port = try #require(Self.port(sim))
        let db = folder.path("runs.db")
        let replay = try Self.start(["replay", "traffic/support.jsonl", "--endpoint", "http://127.0.0.1:\(port)/v1", "--loop",
                                     "--duration", "120s", "--concurrency", "8", "--grace", "2s", "--db", db])
        defer { replay.stop() }
        // Samples reach the database (in batches) only once the replay sends, inside its service group.
        let sending = await waitUntil(timeout: .seconds(30)) {
            guard FileManager.default.fileExists(atPath: db), let store = try? RunStore(path: db) else { return false }
            defer { try? store.close() }
            guard let run = try? store.runs(limit: 1).first else { return false }
            return ((try? store.samples(runID: run.id).count) ?? 0) > 0
        }
        #expect(sending, "\(replay.stderr)")
        replay.signal(SIGTERM)
        #expect(await replay.waitForExit(timeout: .seconds(30)) == 130, "\(replay.stderr)")
        #expect(replay.stderr.contains("Interrupted: stopped sending"), "\(replay.stderr)")
        #expect(replay.stdout.contains("requests"), "the report is printed: \(replay.stdout)")
    }
}
