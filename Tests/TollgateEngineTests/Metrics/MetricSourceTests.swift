import Foundation
import Testing
import TollgateAnalysis
import TollgateCore
import TollgateStore
import TollgateTestSupport
@testable import TollgateEngine

/// A metric source that fails the first `failures` checks (all of them with `.max`), then measures
/// `perCheck` more requests per arm at every check, the candidate's TTFT `ratio` times the baseline's.
actor ScriptedSource: MetricSource {
    nonisolated let summary = "scripted source"
    let failures: Int
    let ratio: Double
    let perCheck: Int
    private var calls = 0
    private var consecutive = 0

    init(failures: Int = 0, ratio: Double = 1, perCheck: Int = 200) {
        self.failures = failures
        self.ratio = ratio
        self.perCheck = perCheck
    }

    func measure(_ metrics: [MetricCriterionConfig], window: MeasurementWindow) async throws -> StageMeasurement {
        calls += 1
        if calls <= failures {
            consecutive += 1
            throw MetricSourceFailure(reason: "Prometheus at http://127.0.0.1:9 is unreachable: connection refused.",
                                      consecutive: consecutive, isInputError: false)
        }
        consecutive = 0
        let n = (calls - min(failures, calls)) * perCheck
        let base = (0..<n).map { 100 + Double(($0 * 37) % 50) }
        var observations: [String: MetricSamples] = [:]
        var measured: [MeasuredMetric] = []
        for metric in metrics where metric.metric == .ttftMs || metric.metric == .e2eMs {
            let shift = metric.metric == .e2eMs ? 2.0 : ratio // e2e is twice as slow: it would fail if it decided
            observations[PipelineJudge.criterionName(metric)] = MetricSamples(baseline: base, candidate: base.map { $0 * shift })
            measured.append(MeasuredMetric(metric: PipelineJudge.criterionName(metric), queries: ["q_\(metric.metric.rawValue)"],
                                           windowSeconds: window.seconds, baselineCount: n, candidateCount: n))
        }
        return StageMeasurement(observations: observations, baselineCount: n, candidateCount: n, measured: measured, source: summary)
    }
}

/// A source that measures identical arms and reads the candidate's error rate from "counters": at
/// each check the next entry of `script` — an error count of 100 requests, or nil for a failed check.
actor RuleScriptedSource: MetricSource {
    nonisolated let summary = "rule source"
    let script: [Int?]
    private var calls = 0
    private var consecutive = 0

    init(script: [Int?]) { self.script = script }

    nonisolated func reads(_ rule: RollbackRule) -> Bool {
        if case .errorRate = rule { return true } else { return false }
    }

    func measure(_ metrics: [MetricCriterionConfig], window: MeasurementWindow) async throws -> StageMeasurement {
        calls += 1
        if calls <= script.count, script[calls - 1] == nil {
            consecutive += 1
            throw MetricSourceFailure(reason: "Prometheus at http://127.0.0.1:9 did not answer within 1s.", consecutive: consecutive, isInputError: false)
        }
        consecutive = 0
        let base = (0..<(calls * 100)).map { 100 + Double(($0 * 37) % 50) }
        return StageMeasurement(observations: ["ttft_ms": MetricSamples(baseline: base, candidate: base)],
                                baselineCount: base.count, candidateCount: base.count, measured: [], source: summary)
    }

    func readings(for rules: [RollbackRule], window: MeasurementWindow) async throws -> [String: RuleReading] {
        let errors = calls <= script.count ? script[calls - 1] ?? 0 : 0
        return Dictionary(uniqueKeysWithValues: rules.filter { reads($0) }.map {
            (RollbackRuleEvaluator.id(of: $0), RuleReading.rate(errors: errors, requests: 100, queries: ["errors", "requests"]))
        })
    }
}

@Suite("Metric sources in the engine")
struct MetricSourceTests {
    static func source(_ extra: String) -> String {
        """
        metrics_source:
          prometheus: { url: "http://127.0.0.1:9", selectors: { baseline: '{v="1"}', candidate: '{v="2"}' } }
        \(extra)
        """
    }

    /// Runs one canary stage judged by `source`; returns the final state and the journal's checks.
    func run(_ source: any MetricSource, sourceSection: String, rollback: String = "rollback:\n  on:\n    - analysis: fail\n",
             extraMetrics: String = "", canary: String = "{ weight: 5, min_samples: 100, max_samples: 2000, max_duration: 10m }",
             storedPerInterval: Int = 3) async throws -> (RunState, [RunEventPayload.Check]) {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let path = try EngineFixtures.pipeline(in: folder.url, stages: """
              - canary: \(canary)
              - full: {}
            """, rollback: rollback + "\n" + sourceSection, name: "source-\(UUID().uuidString.prefix(8))", extraMetrics: extraMetrics)
        let pipeline = try DocumentLoader.loadPipeline(at: path)
        let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store, owner: "test:1")
        let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline, dependencies: RolloutDependencies(
            router: RecordingRouter(), traffic: SyntheticTraffic(store: store, perInterval: storedPerInterval),
            judge: PipelineJudge(analysis: pipeline.analysis), quality: nil, clock: FastClock(), pollInterval: .milliseconds(5),
            owner: "test:1", metricSource: source))
        let state = try await engine.drive(returnWhenWaiting: true)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let checks = try store.events(runID: run.id).filter { $0.kind == "check" }.map {
            try decoder.decode(RunEventPayload.Check.self, from: Data($0.payload.utf8))
        }
        return (state, checks)
    }

    @Test func theSourcesRequestCountsDriveMinSamplesAndTheVerdict() async throws {
        let (state, checks) = try await run(ScriptedSource(ratio: 1), sourceSection: Self.source(""))
        #expect(state.phase == .promoted)
        // The stored samples grow by 3 per interval; the checks count what the source measured.
        #expect(checks.allSatisfy { $0.baselineSamples % 200 == 0 && $0.baselineSamples > 0 }, "\(checks.map(\.baselineSamples))")
        #expect(checks.last?.summary.hasPrefix("Judged from scripted source") == true)
    }

    @Test func aSlowerCandidateMeasuredByTheSourceIsRolledBack() async throws {
        let (state, checks) = try await run(ScriptedSource(ratio: 1.3), sourceSection: Self.source(""))
        #expect(state.phase == .rolledBack)
        #expect(state.finish?.trigger == "analysis:fail")
        #expect(checks.last?.decision == "rollback")
    }

    @Test func consecutiveSourceFailuresPauseTheRunWithTheReason() async throws {
        let (state, checks) = try await run(ScriptedSource(failures: .max), sourceSection: Self.source("  source_errors: 2"))
        #expect(state.phase == .paused)
        #expect(state.pauseReason?.contains("metrics source failed at 2 consecutive checks") == true, "\(state.pauseReason ?? "")")
        #expect(state.pauseReason?.contains("unreachable") == true)
        #expect(checks.count == 2 && checks.allSatisfy { $0.decision == "hold" && $0.summary.hasPrefix("No data") })
    }

    @Test func onSourceErrorRollbackRollsBackAndAFailureThatRecoversChangesNothing() async throws {
        let (rolled, _) = try await run(ScriptedSource(failures: .max), sourceSection: Self.source("  on_source_error: rollback\n  source_errors: 1"))
        #expect(rolled.phase == .rolledBack && rolled.finish?.trigger == "on_source_error")
        let (recovered, checks) = try await run(ScriptedSource(failures: 2, ratio: 1), sourceSection: Self.source("  source_errors: 3"))
        #expect(recovered.phase == .promoted)
        #expect(checks.prefix(2).allSatisfy { $0.decision == "hold" })
    }

    @Test func theErrorRateRuleReadsTheSourceAndAFailedCheckNeitherBreaksNorExtendsItsRun() async throws {
        // Check 1: 12% errors (breach 1 of 2); check 2: the source fails (no data, the run carries over);
        // check 3: 9% (breach 2 of 2) rolls back. The stored samples have no error at all.
        let (state, checks) = try await run(RuleScriptedSource(script: [12, nil, 9]), sourceSection: Self.source("  source_errors: 3"),
                                            rollback: "rollback:\n  on:\n    - error_rate: { above: 0.05, consecutive: 2 }\n",
                                            canary: "{ weight: 5, min_samples: 100000, max_samples: 200000, max_duration: 10m }")
        #expect(state.phase == .rolledBack, "\(state.phase) \(checks.map(\.summary))")
        #expect(state.finish?.trigger == "error_rate>0.05")
        #expect(state.finish?.reason.contains("9 of 100 requests failed, from the metrics source's counters") == true, "\(state.finish?.reason ?? "")")
        #expect(checks.count == 3)
        #expect(checks.map(\.breaches) == [["error_rate>0.05"], [], ["error_rate>0.05"]])
        #expect(checks[1].unmeasured == ["error_rate>0.05"] && checks[1].summary.hasPrefix("No data"))
    }

    @Test func aFailingDryRunMetricIsShownButNeverDecides() async throws {
        let (state, _) = try await run(ScriptedSource(ratio: 1), sourceSection: Self.source(""),
                                       extraMetrics: "    - { metric: e2e_ms, tolerance: 10%, critical: true, dry_run: true }")
        #expect(state.phase == .promoted)
    }

    @Test func dryRunLinesFollowTheDecisiveOnes() throws {
        let pipeline = try PrometheusMetricSourceTests.pipeline(metrics: ["{ metric: ttft_ms, tolerance: 10% }",
                                                                            "{ metric: e2e_ms, tolerance: 10%, critical: true, dry_run: true }"])
        let base = (0..<400).map { 100 + Double(($0 * 37) % 50) }
        var request = JudgeRequest(baseline: [], candidate: [], look: 1, sequential: true, stageName: "canary", maxSamples: 400)
        request.observations = ["ttft_ms": MetricSamples(baseline: base, candidate: base),
                                "e2e_ms": MetricSamples(baseline: base, candidate: base.map { $0 * 2 })]
        request.measuredCounts = (400, 400)
        let verdict = try PipelineJudge(analysis: pipeline.analysis).judge(request)
        #expect(verdict.decision == .promote)
        #expect(verdict.metrics.map(\.metric) == ["ttft_ms", "e2e_ms (dry run)"])
        #expect(verdict.metrics.last?.outcome == "fail")
        #expect(verdict.metrics.last?.sentence.hasPrefix("Measured, never decides") == true)
    }

    @Test func queueTimeJudgedFromSamplesIsShownAsNotJudgedThere() throws {
        // A shadow stage judges Tollgate's samples, which cannot measure the server's queue.
        var analysis = try PrometheusMetricSourceTests.pipeline(metrics: ["{ metric: ttft_ms, tolerance: 10% }"]).analysis
        var queue = analysis.metrics[0]
        queue.metric = .queueMs
        queue.critical = true
        analysis.metrics.append(queue)
        let samples = (0..<200).map { Sample(requestID: "r\($0)", arm: .baseline, startedAt: Date(), ttftMs: 100 + Double($0 % 17), e2eMs: 300) }
        let request = JudgeRequest(baseline: samples, candidate: samples.map { var c = $0; c.arm = .candidate; return c },
                                   look: 1, sequential: false, stageName: "shadow")
        let verdict = try PipelineJudge(analysis: analysis).judge(request)
        let line = try #require(verdict.metrics.first { $0.metric == "queue_ms" })
        #expect(line.outcome == "nodata" && line.sentence.contains("not judged here") && line.sentence.contains("metrics_source"), "\(line)")
        #expect(verdict.decision != .rollback)
        // Measured by a source, it is judged like any other latency.
        var measured = request
        measured.sequential = true
        measured.maxSamples = 400
        let base = (0..<400).map { 100 + Double(($0 * 37) % 50) }
        measured.observations = ["ttft_ms": MetricSamples(baseline: base, candidate: base), "queue_ms": MetricSamples(baseline: base, candidate: base)]
        measured.measuredCounts = (400, 400)
        let judged = try PipelineJudge(analysis: analysis).judge(measured)
        #expect(judged.metrics.first { $0.metric == "queue_ms" }?.outcome == "pass", "\(judged.metrics)")
    }

    @Test func withoutStoredSamplesTheFinalLookAtMaxDurationUsesTheSourcesCounts() async throws {
        // No sample is stored (users reach the versions through another router); min_samples is never met
        // before max_duration, where the source's counts become the horizon and the forced decision promotes.
        let (state, checks) = try await run(ScriptedSource(ratio: 1, perCheck: 5), sourceSection: Self.source(""),
                                            canary: "{ weight: 5, min_samples: 100000, max_samples: 200000, max_duration: 1s, on_timeout: rollback }",
                                            storedPerInterval: 0)
        #expect(state.phase == .promoted, "\(state.finish?.reason ?? "") \(checks.last?.summary ?? "")")
        #expect(checks.last?.decision == "promote")
    }
}
