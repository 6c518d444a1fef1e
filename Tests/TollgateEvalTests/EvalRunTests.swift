import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateSimulator
import TollgateStore
import TollgateTestSupport
import TollgateTraffic
@testable import TollgateEval

extension SimulatorDrivenTests {
    @Suite("Eval runs against simulators")
    struct EvalRunTests {
        @Test func anAASuiteFindsNoDifferenceInTwentySeededRepetitions() async throws {
            let fixture = try SupportFixture(cases: 30)
            defer { fixture.folder.remove() }
            let suite = try fixture.suite()
            var significant = 0, failed = 0, discordant = 0
            try await withHTTPClient { client in
                for rep in 0..<20 {
                    // Same distribution (10% degraded answers), independent draws: seeds differ.
                    let profiles = [fastProfile(seed: UInt64(100 + rep), degradedRate: 0.1, cases: fixture.simulatorCases),
                                    fastProfile(seed: UInt64(5_000 + rep), degradedRate: 0.1, cases: fixture.simulatorCases)]
                    let result = try await withSimulators(profiles) { sims in
                        try await EvalRunner(httpClient: client).run(suite: suite, baseline: target(sims[0], "a"), candidate: target(sims[1], "a2"),
                                                                     options: EvalOptions(concurrency: 8))
                    }
                    if result.quality.mcnemarPValue < 0.05 { significant += 1 }
                    if result.quality.decision == .fail { failed += 1 }
                    discordant += result.quality.onlyBaselinePassed + result.quality.onlyCandidatePassed
                }
            }
            #expect(significant <= 1)   // nominal rate: 5% of 20
            #expect(failed <= 1)
            #expect(discordant > 20)    // the arms did differ case by case: the test had something to judge
        }

        @Test func aCandidateWithTenPercentMoreDegradedAnswersIsWorse() async throws {
            let fixture = try SupportFixture(cases: 120)
            defer { fixture.folder.remove() }
            let db = fixture.folder.path("tollgate.db")
            let store = try RunStore(path: db)
            let result = try await withHTTPClient { client in
                try await withSimulators([fastProfile(seed: 7, degradedRate: 0.05, cases: fixture.simulatorCases),
                                          fastProfile(seed: 7, degradedRate: 0.15, cases: fixture.simulatorCases)]) { sims in
                    try await EvalRunner(httpClient: client, store: store)
                        .run(suite: try fixture.suite(), baseline: target(sims[0], "2.3"), candidate: target(sims[1], "2.4"))
                }
            }
            #expect(result.quality.decision == .fail)
            #expect(result.overall == .fail)
            #expect(result.quality.difference < -0.05)
            #expect(result.quality.mcnemarPValue < 0.01)
            #expect(result.qualityMetric.decision == .fail && result.qualityMetric.high < -0.02)
            let paired = result.pairedPasses
            #expect(paired.baseline.count == 120 && paired.candidate.count == 120)
            #expect(paired.candidate.reduce(0, +) - paired.baseline.reduce(0, +) == (result.quality.difference * 120).rounded())
            // Every case's answers and scores are stored.
            let runID = try #require(result.runID)
            let stored = try store.read { try $0.evalResults(runID: runID) }
            #expect(stored.count == 240)
            #expect(stored.contains { $0.answer == "I'm sorry, I cannot help with that." && !$0.passed })
            #expect(try store.samples(runID: runID).count == 240)
            let run = try store.run(runID)
            #expect(run.kind == .eval && run.status == .completed && run.outcome == "fail")
        }

        @Test func repeatsMeasureTheBaselineNoise() async throws {
            let fixture = try SupportFixture(cases: 20)
            defer { fixture.folder.remove() }
            let result = try await withHTTPClient { client in
                try await withSimulators([fastProfile(seed: 3, degradedRate: 0.1, cases: fixture.simulatorCases)]) { sims in
                    try await EvalRunner(httpClient: client).run(suite: try fixture.suite(), baseline: target(sims[0], "a"),
                                                                 candidate: target(sims[0], "a"), options: EvalOptions(repeats: 3))
                }
            }
            let noise = try #require(result.quality.noise)
            #expect(noise.repetitions == 3 && noise.passRateDifferences.count == 2)
            #expect(noise.band == 0)          // the simulator answers a prompt the same way every time
            #expect(result.quality.difference == 0 && result.quality.withinNoise)
            #expect(result.scores.count == 20 * 2 * 3)
        }

        @Test func compatibilityFindsChangedJSONTypesAndAShortContext() async throws {
            let fixture = try SupportFixture(cases: 12, jsonCases: true)
            defer { fixture.folder.remove() }
            let changed = fixture.simulatorCases.map { c in
                SimulatorProfile.Case(prompt: c.prompt, answer: c.answer.replacingOccurrences(of: #""ticket": "#, with: #""ticket": "T-"#)
                    .replacingOccurrences(of: "}", with: #""}"#), degraded: c.degraded)
            }
            let result = try await withHTTPClient { client in
                try await withSimulators([fastProfile(seed: 1, cases: fixture.simulatorCases),
                                          fastProfile(seed: 1, cases: changed, maxInputTokens: 2_000)]) { sims in
                    try await EvalRunner(httpClient: client).run(suite: try fixture.suite(), baseline: target(sims[0], "a"),
                                                                 candidate: target(sims[1], "b"), options: EvalOptions(maxInputTokens: 4_000))
                }
            }
            let checks = Dictionary(uniqueKeysWithValues: result.compatibility.checks.map { ($0.name, $0) })
            #expect(checks["json_fields"]?.status == .fail)
            #expect(checks["json_fields"]?.problems.first?.contains("$.ticket changed from number to string") == true)
            #expect(checks["max_input_tokens"]?.status == .fail)
            #expect(checks["tool_calls"]?.status == .skipped)
            #expect(checks["finish_reasons"]?.status == .pass)
            #expect(!result.compatibility.compatible && result.overall == .fail)
        }

        @Test func theContextProbeAcceptsALimitTheCandidateHonours() async throws {
            let steps = try await withHTTPClient { client in
                try await withSimulators([fastProfile(seed: 1, maxInputTokens: 4_096)]) { sims in
                    try await ContextProbe(chat: JSONEndpoint(httpClient: client, url: JSONEndpoint.url(base: sims[0].baseURL, path: "/chat/completions")),
                                           model: nil, maxInputTokens: 4_096).run()
                }
            }
            #expect(steps.count == 4 && steps.allSatisfy(\.accepted))
            let last = try #require(steps.last?.reportedTokens)
            #expect(last > 3_500 && last <= 4_096)   // calibrated to the server's own token count
        }

        @Test func similarityUsesTheSimulatorsEmbeddings() async throws {
            let fixture = try SupportFixture(cases: 30, extraScorers: "  - { type: similarity, name: close, weight: 0, min: 0.9 }")
            defer { fixture.folder.remove() }
            let result = try await withHTTPClient { client in
                try await withSimulators([fastProfile(seed: 4, cases: fixture.simulatorCases),
                                          fastProfile(seed: 4, degradedRate: 0.3, cases: fixture.simulatorCases)]) { sims in
                    try await EvalRunner(httpClient: client).run(suite: try fixture.suite(), baseline: target(sims[0], "a"), candidate: target(sims[1], "b"))
                }
            }
            let similarity = result.scores.compactMap { s in s.outcomes.first { $0.scorer == "close" }.map { (s, $0) } }
            #expect(similarity.count == 60)
            #expect(similarity.filter { $0.0.arm == .baseline }.allSatisfy { $0.1.passed && $0.1.score > 0.999 })
            let degraded = similarity.filter { $0.0.arm == .candidate && $0.0.answer?.hasPrefix("I'm sorry") == true }
            #expect(!degraded.isEmpty && degraded.allSatisfy { !$0.1.passed })
        }

        @Test func aJudgeIsAskedTwiceAndPositionBiasCountsAsATie() async throws {
            let fixture = try SupportFixture(cases: 3, extraScorers: """
              - { type: judge, name: grader, weight: 1, rubric: "names the right page", endpoint: "http://127.0.0.1:1/v1" }
              - { type: judge, name: pairwise, weight: 0, rubric: "more helpful", mode: pairwise, endpoint: "http://127.0.0.1:1/v1" }
            """)
            defer { fixture.folder.remove() }
            var suite = try fixture.suite()
            let cases = try EvalCaseReader.read(path: suite.cases)
            // The judge (a simulator) answers each exact judge prompt: a chatty score, and "Winner: A"
            // whatever the order, i.e. pure position bias.
            var judgeCases: [SimulatorProfile.Case] = []
            for (c, sim) in zip(cases, fixture.simulatorCases) {
                let s = Sample(requestID: c.id, arm: .baseline, startedAt: Date(), responseText: sim.answer)
                judgeCases.append(.init(prompt: JudgeScorer.singlePrompt(rubric: "names the right page", scale: 10, ScoringInput(evalCase: c, arm: .baseline, sample: s)),
                                        answer: "Well, on a scale of 1 to 10 I think this deserves careful thought.\n\n**Score:** 8"))
                judgeCases.append(.init(prompt: JudgeScorer.pairPrompt(rubric: "more helpful", c, a: sim.answer, b: sim.answer), answer: "Both fine. Winner: A"))
            }
            let result = try await withHTTPClient { client in
                try await withSimulators([fastProfile(seed: 1, cases: fixture.simulatorCases), fastProfile(seed: 2, cases: judgeCases)]) { sims in
                    for i in suite.scorers.indices where suite.scorers[i].kind == .judge { suite.scorers[i].options["endpoint"] = .string(sims[1].baseURL) }
                    return try await EvalRunner(httpClient: client).run(suite: suite, baseline: target(sims[0], "a"), candidate: target(sims[0], "a"))
                }
            }
            for score in result.scores {
                let g = try #require(score.outcomes.first { $0.scorer == "grader" })
                #expect(abs(g.score - 0.8) < 1e-12 && g.passed)
                let p = try #require(score.outcomes.first { $0.scorer == "pairwise" })
                #expect(p.score == 0.5 && p.detail.contains("inconsistent"))
            }
        }
    }
}

@Suite("Compatibility checks")
struct CompatibilityTests {
    func answer(_ id: String, _ arm: Arm, text: String = "", finish: String = "stop", tools: [ToolCall] = []) -> CaseAnswer {
        CaseAnswer(caseID: id, arm: arm, repetition: 0,
                   sample: Sample(requestID: id, arm: arm, startedAt: Date(), finishReason: finish, responseText: text), toolCalls: tools)
    }

    @Test func toolCallsMustKeepNamesAndArgumentShapes() {
        let base = [ToolCall(name: "lookup_order", arguments: #"{"order_id": 12, "verbose": true}"#)]
        let answers = [
            answer("same", .baseline, tools: base), answer("same", .candidate, tools: [ToolCall(name: "lookup_order", arguments: #"{"order_id": 99, "verbose": false}"#)]),
            answer("typed", .baseline, tools: base), answer("typed", .candidate, tools: [ToolCall(name: "lookup_order", arguments: #"{"order_id": "12", "verbose": true}"#)]),
            answer("renamed", .baseline, tools: base), answer("renamed", .candidate, tools: [ToolCall(name: "find_order", arguments: #"{"order_id": 12}"#)]),
            answer("text", .baseline, tools: base), answer("text", .candidate, text: "Your order is on its way."),
            answer("broken", .baseline, tools: base), answer("broken", .candidate, tools: [ToolCall(name: "lookup_order", arguments: #"{"order_id": 12"#)]),
        ]
        let check = CompatibilityChecker.check(answers: answers).first { $0.name == "tool_calls" }!
        #expect(check.status == .fail)
        #expect(!check.problems.contains { $0.hasPrefix("same#0") })
        #expect(check.problems.contains { $0.hasPrefix("typed#0") && $0.contains("$.order_id is string, was number") })
        #expect(check.problems.contains { $0.hasPrefix("renamed#0") && $0.contains("find_order") })
        #expect(check.problems.contains { $0.hasPrefix("text#0") && $0.contains("called no tool") })
        #expect(check.problems.contains { $0.hasPrefix("broken#0") && $0.contains("not a JSON object") })
    }

    @Test func finishReasonsKeepTheirDistribution() {
        var answers: [CaseAnswer] = []
        for i in 0..<100 {
            answers.append(answer("c\(i)", .baseline, finish: i < 5 ? "length" : "stop"))
            answers.append(answer("c\(i)", .candidate, finish: i < 40 ? "length" : "stop"))
        }
        let changed = CompatibilityChecker.check(answers: answers).first { $0.name == "finish_reasons" }!
        #expect(changed.status == .fail)
        let same = CompatibilityChecker.check(answers: answers.filter { $0.arm == .baseline } + answers.filter { $0.arm == .baseline }.map {
            var a = $0; a.arm = .candidate; return a
        }).first { $0.name == "finish_reasons" }!
        #expect(same.status == .pass)
    }
}
