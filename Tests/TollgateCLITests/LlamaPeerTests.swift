import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport

/// The `tollgate` executable against two real llama.cpp OpenAI servers (llama-cpp-python,
/// SmolLM2-135M in Q4_1 as the baseline and a Q2_K re-quantization as the candidate), which the
/// tests start on free ports and stop by PID. CI installs them (`scripts/peers/setup.sh`); without
/// them each test is skipped with "skipped: llama.cpp server not installed".
///
/// The model decodes about 20 tokens a second on two cores, so every request asks for at most
/// 8 tokens and each test sends a handful.
@Suite("tollgate against real llama.cpp servers", .serialized, .enabled(if: LlamaPeer.installed != nil, Comment(rawValue: LlamaPeer.skipReason)))
struct LlamaPeerTests {
    /// Both versions, served with `--interrupt_requests False` (requests to one server queue).
    struct Servers {
        let baseline: LlamaServer
        let candidate: LlamaServer
        let folder: TemporaryFolder

        init() async throws {
            let peer = try #require(LlamaPeer.installed)
            folder = try TemporaryFolder()
            baseline = try await LlamaServer(python: peer.python, model: peer.baselineModel)
            do {
                candidate = try await LlamaServer(python: peer.python, model: peer.candidateModel)
            } catch {
                baseline.stop()
                throw error
            }
        }

        func stop() {
            baseline.stop()
            candidate.stop()
            folder.remove()
        }

        /// `count` recorded requests (the first lines of the shipped traffic, 8 tokens each).
        func traffic(_ count: Int) throws -> String {
            let lines = try String(contentsOfFile: CLI.root.appendingPathComponent("traffic/support.jsonl").path, encoding: .utf8)
                .split(separator: "\n").prefix(count)
            let path = folder.path("traffic.jsonl")
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// Runs `tollgate` with a longer deadline than the usual minute (real decoding is slow).
    static func tollgate(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(240)) async throws -> CLI.Result {
        try await CLI.run(arguments, environment: environment, timeout: timeout)
    }

    @Test(.timeLimit(.minutes(5)))
    func shadowMeasuresBothVersionsWithoutErrors() async throws {
        let servers = try await Servers()
        defer { servers.stop() }
        let db = servers.folder.path("runs.db")
        let result = try await Self.tollgate([
            "shadow", try servers.traffic(3), "--baseline", servers.baseline.baseURL, "--candidate", servers.candidate.baseURL,
            "--max-tokens", "8", "--temperature", "0", "--db", db,
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let store = try RunStore(path: db)
        let run = try #require(try store.runs().first)
        let samples = try store.samples(runID: run.id)
        for arm in [Arm.baseline, .candidate] {
            let own = samples.filter { $0.arm == arm }
            #expect(own.count == 3, "\(arm): \(own.count) samples")
            for s in own {
                #expect(s.errorClass == nil, "\(arm) \(s.requestID): \(s.errorMessage ?? "")")
                #expect((s.ttftMs ?? 0) > 0, "\(arm) \(s.requestID): no TTFT")
                #expect((s.e2eMs ?? 0) >= (s.ttftMs ?? .infinity), "\(arm) \(s.requestID): E2E before TTFT")
                #expect(s.chunkTimesMs.count >= 2, "\(arm) \(s.requestID): \(s.chunkTimesMs.count) chunks, no inter-token gap")
                #expect(s.finishReason == "length" || s.finishReason == "stop")
            }
        }
        #expect(result.stdout.contains("baseline") && result.stdout.contains("candidate"))
    }

    @Test(.timeLimit(.minutes(5)))
    func aRolloutThroughTheGatewayCompletesWithAVerdict() async throws {
        let servers = try await Servers()
        defer { servers.stop() }
        let token = UUID().uuidString
        let gateway = try CLI.start(["gateway", "--listen", "127.0.0.1:0", "--baseline", servers.baseline.baseURL,
                                     "--candidate", servers.candidate.baseURL, "--admin-token-env", "LLAMA_ADMIN_TOKEN"],
                                    environment: ["LLAMA_ADMIN_TOKEN": token])
        defer { gateway.stop() }
        let listening = await waitUntil(timeout: .seconds(20)) { gateway.stdout.contains("listening on http://") }
        #expect(listening, "the gateway did not start: \(gateway.stderr)")
        let address = try #require(gateway.stdout.split(separator: " ").first { $0.hasPrefix("http://") }).trimmingCharacters(in: .whitespacesAndNewlines)

        let pipeline = servers.folder.path("pipeline.yaml")
        try """
        version: 1
        kind: pipeline
        name: smollm2-q2k
        model:
          name: smollm2
          baseline:  { version: q4_1, endpoint: "\(servers.baseline.baseURL)" }
          candidate: { version: q2_k, endpoint: "\(servers.candidate.baseURL)" }
        traffic: { source: \(try servers.traffic(6)), concurrency: 1, timeout: 60s, via: router, overrides: { max_tokens: 8, temperature: 0 } }
        router: { type: gateway, admin: "\(address)", token_env: LLAMA_ADMIN_TOKEN }
        analysis:
          check_interval: 2s
          metrics:
            - { metric: ttft_ms, tolerance: 300%, critical: true }
            - { metric: error_rate, tolerance: 50pp, critical: true }
        stages:
          - shadow: { requests: 4 }
          - canary: { weight: 50, min_samples: 3, max_duration: 40s }
          - full: {}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let db = servers.folder.path("runs.db")
        let result = try await Self.tollgate(["rollout", "start", pipeline, "--db", db], environment: ["LLAMA_ADMIN_TOKEN": token])
        let store = try RunStore(path: db)
        let run = try #require(try store.runs().first { $0.kind == .rollout })
        #expect(run.status.isTerminal, "the run did not end: \(run.status) \(result.stdout) \(result.stderr)")
        let verdicts = try store.read { try $0.verdicts(runID: run.id) }
        #expect(!verdicts.isEmpty, "no verdict: \(result.stdout)\(result.stderr)")
        let samples = try store.samples(runID: run.id)
        #expect(samples.contains { $0.arm == .candidate } && samples.contains { $0.arm == .baseline })
        #expect(samples.allSatisfy { $0.errorClass == nil }, "\(samples.compactMap(\.errorMessage))")
        // 0: promoted; 3: rolled back. Either way the run ended with a verdict.
        #expect(result.status == 0 || result.status == 3, "\(result.stdout)\(result.stderr)")
    }

    @Test(.timeLimit(.minutes(5)))
    func anEvalSuiteRunsAgainstBothVersions() async throws {
        let servers = try await Servers()
        defer { servers.stop() }
        let cases = servers.folder.path("cases.jsonl")
        try """
        {"id": "pw-reset", "messages": [{"role": "user", "content": "How do I reset my password?"}], "tags": ["account"]}
        {"id": "invite", "messages": [{"role": "user", "content": "How do I invite a teammate?"}], "tags": ["members"]}
        {"id": "export", "messages": [{"role": "user", "content": "How do I export my data?"}], "tags": ["export"]}
        """.write(toFile: cases, atomically: true, encoding: .utf8)
        let suite = servers.folder.path("suite.yaml")
        try """
        version: 1
        kind: evalsuite
        name: smollm2-brief
        api: openai-chat
        cases: cases.jsonl
        defaults: { temperature: 0, max_tokens: 8 }
        scorers:
          - { type: length, name: brief, max: 400, unit: characters }
        pass_threshold: 0.5
        max_drop: 50pp
        """.write(toFile: suite, atomically: true, encoding: .utf8)
        let db = servers.folder.path("runs.db")
        let result = try await Self.tollgate(["eval", "run", suite, "--baseline", servers.baseline.baseURL,
                                              "--candidate", servers.candidate.baseURL, "--db", db])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let store = try RunStore(path: db)
        let run = try #require(try store.runs().first)
        let results = try store.read { try $0.evalResults(runID: run.id) }
        #expect(results.count == 6, "\(results.count) results: \(result.stdout)")
        #expect(results.allSatisfy { !($0.answer ?? "").isEmpty }, "an empty answer: \(result.stdout)")
    }
}
