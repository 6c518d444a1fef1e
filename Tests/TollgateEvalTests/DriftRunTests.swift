import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateSimulator
import TollgateStore
import TollgateTestSupport
import TollgateTraffic
@testable import TollgateEval

/// A drift suite file and its traffic in a temporary folder.
struct DriftFixture {
    let folder: TemporaryFolder
    /// Answers to the traffic's prompts (a refusal when degraded).
    let simulatorCases: [SimulatorProfile.Case]

    init(prompts: Int = 40) throws {
        folder = try TemporaryFolder()
        simulatorCases = (0..<prompts).map { i in
            SimulatorProfile.Case(prompt: "Support question \(i): where is setting \(i)?",
                                  answer: "Setting \(i) is under Settings, Advanced, Options; change it there and press Save.",
                                  degraded: "I'm sorry, I cannot help with that.")
        }
        let lines = (0..<prompts).map { i in
            #"{"id": "r-\#(i)", "body": {"messages": [{"role": "user", "content": "Support question \#(i): where is setting \#(i)?"}], "max_tokens": 64}}"#
        }
        try lines.joined(separator: "\n").write(toFile: folder.path("traffic.jsonl"), atomically: true, encoding: .utf8)
    }

    /// Writes and loads a suite measuring `endpoint` against reference run `referenceRun`.
    func suite(endpoint: String, referenceRun: String = "none", requests: Int = 40,
               features: String = "[ttft_ms, itl_ms, e2e_ms, output_tokens, finish_reason, error_class, refusal_rate]") throws -> DriftSuite {
        let text = """
        version: 1
        kind: driftsuite
        name: sim-drift
        api: openai-chat
        target: { endpoint: "\(endpoint)", version: "2.4.0" }
        reference: { run: "\(referenceRun)" }
        current:
          replay: { traffic: traffic.jsonl, requests: \(requests), concurrency: 8 }
        features: \(features)
        tests:
          alpha: 0.05
          correction: holm
          min_effect: { ttft_ms: 25%, itl_ms: 25%, e2e_ms: 25%, output_tokens: 20%, refusal_rate: 10pp, finish_reason: 10pp, error_class: 5pp }
        """
        let path = folder.path("drift-\(UUID().uuidString).yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try DocumentLoader.loadDriftSuite(at: path)
    }
}

/// A profile with latencies large enough that loopback overhead does not dominate them.
func driftProfile(seed: UInt64, prefillMs: Double = 20, decodeMs: Double = 4, tokens: Double = 10) -> SimulatorProfile {
    SimulatorProfile(seed: seed, prefill: .init(medianMs: prefillMs, spread: 0.3, perInputTokenMs: 0),
                     decode: .init(medianMs: decodeMs, spread: 0.2), outputTokens: .init(median: tokens, spread: 0.3, min: 2, max: 64))
}

extension SimulatorDrivenTests {
    @Suite("Drift runs against simulators")
    struct DriftRunTests {
        /// Reference and current windows measured at the same time (so machine load hits both alike),
        /// then analysed.
        func measure(_ fixture: DriftFixture, reference: Simulator, current: Simulator, client: HTTPClient) async throws -> DriftVerdict {
            let runner = DriftRunner(httpClient: client, seed: 1)
            let refSuite = try fixture.suite(endpoint: reference.baseURL), curSuite = try fixture.suite(endpoint: current.baseURL)
            async let r = runner.currentWindow(refSuite, store: nil, now: Date())
            async let c = runner.currentWindow(curSuite, store: nil, now: Date())
            let (ref, cur) = try await (r, c)
            return try await runner.analyze(suite: curSuite, reference: ref.0, referenceSource: "sim", current: cur.0, currentSource: "sim")
        }

        @Test func anAADriftSuiteFindsNoDriftInTwentySeededRepetitions() async throws {
            let fixture = try DriftFixture()
            defer { fixture.folder.remove() }
            var drifted = 0, tested = 0
            try await withHTTPClient { client in
                for rep in 0..<20 {
                    let verdict = try await withSimulators([driftProfile(seed: UInt64(rep)), driftProfile(seed: UInt64(1_000 + rep))]) { sims in
                        try await measure(fixture, reference: sims[0], current: sims[1], client: client)
                    }
                    if verdict.drifted { drifted += 1 }
                    tested += verdict.features.filter { $0.test != "none" }.count
                }
            }
            #expect(drifted <= 1)          // nominal rate: 5% of 20
            #expect(tested >= 20 * 5)      // the timing, length and category features were really tested
        }

        @Test func aSlowerDecodeIsDriftInInterTokenAndEndToEndLatency() async throws {
            let fixture = try DriftFixture()
            defer { fixture.folder.remove() }
            let verdict = try await withHTTPClient { client in
                // A long prefill keeps TTFT well above what a loaded machine adds to it.
                try await withSimulators([driftProfile(seed: 1, prefillMs: 80), driftProfile(seed: 2, prefillMs: 80, decodeMs: 24)]) { sims in
                    try await measure(fixture, reference: sims[0], current: sims[1], client: client)
                }
            }
            let named = Set(verdict.driftedFeatures)
            #expect(verdict.drifted)
            #expect(named.contains(.itlMs) && named.contains(.e2eMs))
            #expect(!named.contains(.ttftMs) && !named.contains(.outputTokens) && !named.contains(.finishReason),
                    "\(verdict.features.map { "\($0.feature.rawValue): \($0.note) \($0.referenceSummary) → \($0.currentSummary)" })")
            #expect(verdict.summary.hasPrefix("drift in "))
        }

        @Test func longerAnswersAreDriftInOutputTokensStoredWithTheVerdict() async throws {
            let fixture = try DriftFixture()
            defer { fixture.folder.remove() }
            let store = try RunStore(path: fixture.folder.path("tollgate.db"))
            let verdict = try await withHTTPClient { client in
                try await withSimulators([driftProfile(seed: 1, decodeMs: 1), driftProfile(seed: 2, decodeMs: 1, tokens: 30)]) { sims in
                    // The reference is a stored run of the first simulator's samples.
                    let runner = DriftRunner(httpClient: client)
                    let (reference, _) = try await runner.currentWindow(try fixture.suite(endpoint: sims[0].baseURL), store: nil, now: Date())
                    let run = try store.createRun(NewRun(kind: .replay, name: "reference"))
                    try store.insertSamples(reference, runID: run.id, stage: nil)
                    // Windows measured one after the other: compare what load cannot move.
                return try await runner.run(suite: try fixture.suite(endpoint: sims[1].baseURL, referenceRun: run.id,
                                                                     features: "[output_tokens, finish_reason, error_class]"), store: store)
                }
            }
            let named = Set(verdict.driftedFeatures)
            #expect(named.contains(.outputTokens))
            #expect(!named.contains(.ttftMs) && !named.contains(.itlMs))
            let stored = try store.read { try $0.driftResults(suite: "sim-drift") }
            #expect(stored.count == 1 && stored[0].drifted && stored[0].summary == verdict.summary)
            let runID = try #require(verdict.runID)
            #expect(try store.samples(runID: runID).count == 40)
            #expect(try store.run(runID).outcome == "drift")
        }

        @Test func anUnreachableTargetIsAnOperationalFailureNotDrift() async throws {
            let fixture = try DriftFixture()
            defer { fixture.folder.remove() }
            let store = try RunStore(path: fixture.folder.path("tollgate.db"))
            let run = try store.createRun(NewRun(kind: .replay, name: "reference"))
            try store.insertSamples(syntheticSamples(20, seed: 1), runID: run.id, stage: nil)
            await #expect(throws: EvalError.self) {
                try await withHTTPClient { client in
                    try await DriftRunner(httpClient: client).run(suite: try fixture.suite(endpoint: "http://127.0.0.1:9/v1", referenceRun: run.id, requests: 5), store: store)
                }
            }
            #expect(throws: EvalError.referenceNotFound("no run with id 'missing' in \(store.path).")) {
                try DriftSamples.reference(.run(id: "missing"), store: store)
            }
        }

        @Test func embeddingsDriftWhenAnswersChange() async throws {
            let fixture = try DriftFixture(prompts: 30)
            defer { fixture.folder.remove() }
            var answering = driftProfile(seed: 5, decodeMs: 1)
            answering.cases = fixture.simulatorCases
            var refusing = answering
            refusing.degradedRate = 0.9
            let verdict = try await withHTTPClient { client in
                try await withSimulators([answering, refusing]) { sims in
                    let runner = DriftRunner(httpClient: client, embeddingsEndpoint: sims[0].baseURL)
                    let suite = try fixture.suite(endpoint: sims[1].baseURL, requests: 30, features: "[embeddings, output_tokens]")
                    let (ref, _) = try await runner.currentWindow(try fixture.suite(endpoint: sims[0].baseURL, requests: 30), store: nil, now: Date())
                    let (cur, _) = try await runner.currentWindow(suite, store: nil, now: Date())
                    return try await runner.analyze(suite: suite, reference: ref, referenceSource: "a", current: cur, currentSource: "b")
                }
            }
            let embeddings = try #require(verdict.features.first { $0.feature == .embeddings })
            #expect(embeddings.test == "mmd-permutation")
            #expect(embeddings.drifted)
        }
    }
}

/// Runs against a real embedding model only when `TOLLGATE_EMBEDDINGS_URL` names an
/// OpenAI-compatible base URL serving one (for example all-MiniLM-L6-v2); CI uses the simulator's.
@Suite("Real embedding model", .enabled(if: ProcessInfo.processInfo.environment["TOLLGATE_EMBEDDINGS_URL"] != nil,
                                         "set TOLLGATE_EMBEDDINGS_URL to an OpenAI-compatible embeddings base URL to run"))
struct RealEmbeddingTests {
    @Test func paraphrasesAreCloserThanUnrelatedText() async throws {
        let url = ProcessInfo.processInfo.environment["TOLLGATE_EMBEDDINGS_URL"]!
        let model = ProcessInfo.processInfo.environment["TOLLGATE_EMBEDDINGS_MODEL"]
        let scores = try await withHTTPClient { client in
            let embeddings = EmbeddingsClient(httpClient: client, baseURL: url, model: model)
            let scorer = SimilarityScorer(name: "s", weight: 1, embeddings: embeddings, minimum: 0.6)
            let close = try await scorer.score(input("To reset your password, open Settings and pick Security.",
                                                     expected: "Open Settings, choose Security, then Reset password."))
            let far = try await scorer.score(input("The weather in Lisbon is sunny today.",
                                                   expected: "Open Settings, choose Security, then Reset password."))
            return (close, far)
        }
        #expect(scores.0.score > scores.1.score + 0.2)
        #expect(scores.0.passed && !scores.1.passed)
    }
}
