import Foundation
import Testing
import TollgateCore
import TollgateDemo
import TollgateServer
import TollgateSimulator
import TollgateStore
import TollgateTestSupport

/// Real rollouts by the `tollgate` executable against two simulators whose answers carry
/// personal data and secrets, with a known API key in the environment: afterwards the raw bytes
/// of the database (and its WAL) and every output are searched for each raw value.
@Suite(.serialized) struct PrivacyEndToEndTests {
    static let apiKey = "sk-e2e-\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
    static let rawValues = ["ann.lee@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
                            "sk-live-AbCdEfGhIjKlMnOpQrSt", "AKIAIOSFODNN7EXAMPLE"]
    static let invalidCard = "4111 1111 1111 1112"
    static let answer = "Write to ann.lee@example.com or call +44 20 7946 0958. Card 4111 1111 1111 1111 is on file, "
        + "4111 1111 1111 1112 is not a card. IBAN DE89 3704 0044 0532 0130 00. Key sk-live-AbCdEfGhIjKlMnOpQrSt and AKIAIOSFODNN7EXAMPLE."
    static let redactedAnswer = "Write to [EMAIL] or call [PHONE]. Card [CARD] is on file, "
        + "4111 1111 1111 1112 is not a card. IBAN [IBAN]. Key [SECRET] and [SECRET]."

    struct Fixture {
        let folder: TemporaryFolder
        let environment: DemoEnvironment
        let pipelinePath: String
        let db: String
        let binary: URL

        init(mode: String) async throws {
            binary = try TollgateCLI.binary()
            folder = try TemporaryFolder()
            var profile = SimulatorProfile(seed: 1, models: ["e2e"], prefill: .init(medianMs: 5, spread: 0.1, perInputTokenMs: 0),
                                           decode: .init(medianMs: 1, spread: 0.1))
            profile.cases = (0..<10).map { SimulatorProfile.Case(prompt: "question \($0)", answer: PrivacyEndToEndTests.answer) }
            var candidate = profile
            candidate.seed = 2
            environment = try await DemoEnvironment.start(baseline: profile, candidate: candidate)
            db = folder.path("privacy.db")
            let traffic = folder.path("traffic.jsonl")
            let lines = (0..<10).map { #"{"id":"q\#($0)","body":{"messages":[{"role":"user","content":"question \#($0)"}],"stream":true}}"# }
            try lines.joined(separator: "\n").write(toFile: traffic, atomically: true, encoding: .utf8)
            let template = """
            version: 1
            kind: pipeline
            name: privacy-e2e
            model:
              name: privacy-e2e-\(UUID().uuidString.prefix(8))
              baseline:  { version: "1.0", endpoint: "\(DemoEnvironment.placeholderBaseline)", api_key_env: PRIVACY_E2E_KEY }
              candidate: { version: "2.0", endpoint: "\(DemoEnvironment.placeholderCandidate)", api_key_env: PRIVACY_E2E_KEY }
            traffic: { source: traffic.jsonl, concurrency: 4, timeout: 5s }
            router: { type: gateway, admin: "\(DemoEnvironment.placeholderGateway)", token_env: PRIVACY_E2E_ADMIN }
            analysis:
              check_interval: 300ms
              metrics:
                - { metric: error_rate, tolerance: 50pp }
            stages:
              - shadow: { requests: 20 }
              - canary: { weight: 50, min_samples: 20, max_duration: 20s }
              - full: {}
            security:
              logging: { mode: \(mode), retention: 30d }
            """
            pipelinePath = folder.path("pipeline.yaml")
            try environment.pipelineText(from: template, trafficPath: traffic).write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        }

        func tollgate(_ arguments: [String]) throws -> ChildProcess {
            var env = ProcessInfo.processInfo.environment
            env["PRIVACY_E2E_KEY"] = PrivacyEndToEndTests.apiKey
            env["PRIVACY_E2E_ADMIN"] = environment.adminToken
            env.removeValue(forKey: "TOLLGATE_DB")
            return try ChildProcess(binary, arguments + ["--db", db], environment: env)
        }

        /// Runs a command to its end and returns everything it printed.
        func output(_ arguments: [String]) async throws -> String {
            let child = try tollgate(arguments)
            defer { child.stop() }
            let status = await child.waitForExit(timeout: .seconds(60))
            #expect(status != nil, "\(arguments) did not finish")
            return child.stdout + child.stderr
        }

        func stop() async {
            await environment.stop()
            folder.remove()
        }
    }

    static func stored(_ db: String) throws -> [String] {
        let store = try RunStore(path: db)
        defer { try? store.close() }
        return try store.read { tx in try tx.runs().flatMap { try tx.samples(runID: $0.id) } }.compactMap(\.responseText)
    }

    @Test(.timeLimit(.minutes(2)))
    func redactedRolloutLeavesNoRawValueOrSecretInTheDatabaseOrAnyOutput() async throws {
        let f = try await Fixture(mode: "redacted")
        defer { Task { await f.stop() } }
        var outputs = try await f.output(["rollout", "start", f.pipelinePath])
        let runID = try #require(try RunStore(path: f.db).runs().first?.id)
        // The raw bytes while the WAL is still there (a reader keeps it), then every output.
        let reader = try RunStore(path: f.db)
        let live = PrivacyBytes.of(f.db)
        for args in [["show", runID, "--json"], ["show", runID], ["rollout", "status", runID, "--json"], ["rollout", "explain", runID, "--json"],
                     ["rollout", "list", "--json"], ["history", "--json"], ["prune", "--dry-run", "--json"]] {
            outputs += try await f.output(args)
        }
        try reader.close()
        let closed = PrivacyBytes.of(f.db)
        for (name, bytes) in [("database with WAL", live), ("closed database", closed), ("outputs", Data(outputs.utf8))] {
            for value in Self.rawValues + [Self.apiKey, f.environment.adminToken] {
                #expect(bytes.range(of: Data(value.utf8)) == nil, "\(value) found in the \(name)")
            }
        }
        let texts = try Self.stored(f.db)
        #expect(texts.count >= 40, "answers were stored redacted: \(texts.count)")
        #expect(texts.allSatisfy { $0 == Self.redactedAnswer }, "\(texts.first ?? "")")
        #expect(closed.range(of: Data(Self.invalidCard.utf8)) != nil, "a number failing Luhn is left as it is")
        let snapshot = try #require(try RunStore(path: f.db).run(runID).pipelineText)
        #expect(snapshot.contains("api_key_env: PRIVACY_E2E_KEY"), "the snapshot names the variable")
    }

    @Test(.timeLimit(.minutes(2)), arguments: ["none", "full"])
    func noneStoresNoTextAndFullStoresAll(mode: String) async throws {
        let f = try await Fixture(mode: mode)
        defer { Task { await f.stop() } }
        _ = try await f.output(["rollout", "start", f.pipelinePath, "--quiet"])
        let store = try RunStore(path: f.db)
        let samples = try store.read { tx in try tx.runs().flatMap { try tx.samples(runID: $0.id) } }
        #expect(samples.count >= 40)
        if mode == "none" {
            #expect(samples.allSatisfy { $0.responseText == nil })
            let bytes = PrivacyBytes.of(f.db)
            #expect(bytes.range(of: Data("4111 1111 1111 1112".utf8)) == nil, "no answer text at all")
        } else {
            #expect(samples.filter(\.succeeded).allSatisfy { $0.responseText == Self.answer })
        }
        #expect(samples.allSatisfy { ($0.outputTokens ?? 0) > 0 || !$0.succeeded }, "measurements stay in every mode")
    }
}
