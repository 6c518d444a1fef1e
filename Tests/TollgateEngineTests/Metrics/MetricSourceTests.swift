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
