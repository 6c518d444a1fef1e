import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateSimulator
import TollgateTestSupport
import Testing
import TollgateTraffic
@testable import TollgateEval

/// The tests that drive simulators and measure time run one at a time: run side by side they
/// load the machine enough to distort each other's latencies.
@Suite(.serialized) struct SimulatorDrivenTests {}

/// A simulator profile that answers within a few milliseconds.
func fastProfile(seed: UInt64, degradedRate: Double = 0, cases: [SimulatorProfile.Case] = [],
                 decodeMs: Double = 0.5, tokens: Double = 8, maxInputTokens: Int? = nil) -> SimulatorProfile {
    SimulatorProfile(seed: seed, prefill: .init(medianMs: 2, spread: 0.2, perInputTokenMs: 0),
                     decode: .init(medianMs: decodeMs, spread: 0.2),
                     outputTokens: .init(median: tokens, spread: 0.3, min: 1, max: 64),
                     maxInputTokens: maxInputTokens, cases: cases, degradedRate: degradedRate)
}

/// Starts one simulator per profile on loopback port 0, runs `body`, and stops them all, also on failure.
func withSimulators<T: Sendable>(_ profiles: [SimulatorProfile], _ body: ([Simulator]) async throws -> T) async throws -> T {
    var started: [Simulator] = []
    do {
        for p in profiles { started.append(try await Simulator.start(profile: p, host: "127.0.0.1", port: 0)) }
        let result = try await body(started)
        for s in started { await s.stop() }
        return result
    } catch {
        for s in started { await s.stop() }
        throw error
    }
}

/// Runs `body` with an HTTP client that is shut down afterwards, also on failure.
func withHTTPClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = ModelClient.makeHTTPClient(concurrency: 16)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// A support-like eval: `n` cases with an expected answer each, the simulator cases that answer
/// them (a refusal when degraded), and a suite file scoring them with `equals` and `refusal`.
struct SupportFixture {
    let folder: TemporaryFolder
    let suitePath: String
    let simulatorCases: [SimulatorProfile.Case]

    init(cases n: Int, extraScorers: String = "", repeats: Int = 1, jsonCases: Bool = false) throws {
        folder = try TemporaryFolder()
        var lines: [String] = []
        var sim: [SimulatorProfile.Case] = []
        for i in 0..<n {
            let prompt = "How do I do support task number \(i)?"
            let answer = jsonCases ? #"{"status": "open", "ticket": \#(i)}"# : "Open page \(i) in Settings and choose Apply."
            let tag = i % 3 == 0 ? "de" : "en"
            lines.append(#"{"id": "case-\#(i)", "messages": [{"role": "user", "content": "\#(prompt)"}], "expected": \#(JSONValue.string(answer).jsonText), "tags": ["\#(tag)"]}"#)
            sim.append(.init(prompt: prompt, answer: answer, degraded: "I'm sorry, I cannot help with that."))
        }
        try lines.joined(separator: "\n").write(toFile: folder.path("cases.jsonl"), atomically: true, encoding: .utf8)
        let suite = """
        version: 1
        kind: evalsuite
        name: sim-quality
        api: openai-chat
        cases: cases.jsonl
        defaults: { temperature: 0, max_tokens: 64 }
        scorers:
          - { type: equals, name: right-answer, weight: 2 }
          - { type: refusal, name: answers, expect: answer }
        \(extraScorers)
        pass_threshold: 0.75
        max_drop: 2pp
        repeat: \(repeats)
        """
        suitePath = folder.path("quality.yaml")
        try suite.write(toFile: suitePath, atomically: true, encoding: .utf8)
        simulatorCases = sim
    }

    func suite() throws -> EvalSuite { try DocumentLoader.loadEvalSuite(at: suitePath) }
}

func target(_ sim: Simulator, _ version: String) -> EvalTarget {
    EvalTarget(version: version, url: sim.baseURL)
}
