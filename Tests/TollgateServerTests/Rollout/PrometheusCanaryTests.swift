import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateDemo
import TollgateEngine
import TollgateServer
import TollgateSimulator
import TollgateStore
import TollgateTestSupport
import TollgateTraffic

/// Canaries judged from a real Prometheus (scrape interval 1 s) scraping the two simulators'
/// vLLM-compatible `/metrics`, with user traffic sent through the gateway (`traffic.via: live`).
@Suite(.serialized, .enabled(if: PrometheusServer.binary != nil, Comment(rawValue: PrometheusServer.skipReason)))
struct PrometheusCanaryTests {
    static let stages = """
          - canary: { weight: 50, min_samples: 100, max_samples: 300, max_duration: 60s }
          - full: {}
        """

    /// 200 ms prefill: long beside the scheduling delays of a loaded 2-core machine, which reach
    /// tens of milliseconds and would drown a 30% difference of a 20 ms prefill. vLLM's TTFT buckets
    /// around it are 0.1, 0.25 and 0.5 s.
    static func profile(seed: UInt64, prefillMs: Double = 200) -> SimulatorProfile {
        var p = RolloutEndToEndTests.fast(seed: seed)
        p.prefill.medianMs = prefillMs
        return p
    }

    /// A rollout judged from Prometheus: Prometheus started on a free port scraping both simulators
    /// (labelled track=baseline / track=candidate), users sending traffic through the gateway.
    struct PromSetup {
        let setup: RolloutEndToEndTests.Setup
        let prometheus: PrometheusServer
        let users: Task<Void, Never>

        init(candidate: SimulatorProfile, stages: String = PrometheusCanaryTests.stages, source extra: String = "",
             metrics: String = "    - { metric: ttft_ms, tolerance: 25%, critical: true }\n    - { metric: error_rate, tolerance: 3pp, critical: true }\n",
             rules: String = "    - analysis: fail\n", objectives: String = "  ttft_ms: { p95: 500 }") async throws {
            // The pipeline is written before Prometheus starts (it needs the simulators' ports): choose its port first.
            let port = try freeLoopbackPort()
            let source = """
            metrics_source:
              prometheus:
                url: "http://127.0.0.1:\(port)"
                timeout: 1s
                preset: vllm
                selectors: { baseline: '{job="sims", track="baseline"}', candidate: '{job="sims", track="candidate"}' }
            \(extra)
            """
            let setup = try await RolloutEndToEndTests.Setup(baseline: PrometheusCanaryTests.profile(seed: 1), candidate: candidate, stages: stages,
                                                              rollback: "rollback:\n  on:\n" + rules + source,
                                                              via: "live", metrics: metrics, objectives: objectives)
            do {
                prometheus = try await PrometheusServer(binary: PrometheusServer.binary!, targets: [
                    .init(address: "127.0.0.1:\(setup.environment.baseline.port)", labels: ["track": "baseline"]),
                    .init(address: "127.0.0.1:\(setup.environment.candidate.port)", labels: ["track": "candidate"]),
                ], folder: setup.folder, port: port)
            } catch {
                await setup.stop()
                throw error
            }
            self.setup = setup
            // Users: a closed-loop replay through the gateway for as long as the test runs.
            let base = setup.environment.running.baseURL, trafficPath = setup.folder.path("traffic.jsonl")
            users = Task {
                let client = ModelClient.makeHTTPClient(concurrency: 16)
                let target = ReplayTarget(arm: .shadow, client: ModelClient(httpClient: client, endpoint: ModelEndpoint(url: base + "/v1")))
                let runner = ReplayRunner(targets: [target], configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 16), duration: .seconds(120), repeatTraffic: true))
                _ = try? await runner.run(trafficPath: trafficPath)
                try? await client.shutdown()
            }
        }

        func stop() async {
            users.cancel()
            prometheus.stop()
            await setup.stop()
        }

        /// The journal's check events of the run.
        func checks(_ runID: String) throws -> [RunEventPayload.Check] {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try setup.store.events(runID: runID).filter { $0.kind == "check" }.map {
                try decoder.decode(RunEventPayload.Check.self, from: Data($0.payload.utf8))
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aCandidateWithThirtyPercentSlowerPrefillIsRolledBackFromPrometheus() async throws {
        let p = try await PromSetup(candidate: Self.profile(seed: 2, prefillMs: 260))
        do {
            let (run, state) = try await p.setup.run()
            #expect(state.phase == .rolledBack, "\(state.finish?.reason ?? "") \(state.lastCheck?.summary ?? "")")
            #expect(state.finish?.trigger == "analysis:fail")
            let last = try #require(try p.checks(run.id).last)
            #expect(last.decision == "rollback" && last.summary.contains("Judged from prometheus"), "\(last.summary)")
            let explanation = try RunReport.load(runID: run.id, store: p.setup.store).explanation().joined(separator: "\n")
            #expect(explanation.contains("sum by (le) (increase(vllm:time_to_first_token_seconds_bucket{job=\"sims\",track=\"candidate\"}"), "\(explanation)")
            #expect(explanation.contains("window ") && explanation.contains("baseline ") && explanation.contains("binned Mann–Whitney"))
        } catch { Issue.record(error) }
        await p.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func anIdenticalCandidateIsPromotedFromPrometheus() async throws {
        let p = try await PromSetup(candidate: Self.profile(seed: 2), metrics: """
                - { metric: ttft_ms, tolerance: 25%, critical: true }
                - { metric: error_rate, tolerance: 3pp, critical: true }
                - { metric: queue_ms, tolerance: 25%, critical: true }

            """)
        do {
            let (run, state) = try await p.setup.run()
            #expect(state.phase == .promoted, "\(state.finish?.reason ?? "") \(state.lastCheck?.summary ?? "")")
            let checks = try p.checks(run.id)
            let last = try #require(checks.last)
            // Counted from Prometheus' _count increases: min_samples (100) met by both arms.
            #expect(last.decision == "promote" && min(last.baselineSamples, last.candidateSamples) >= 100, "\(last)")
            #expect(last.summary.contains("Judged from prometheus"))
            // queue_ms, which only the server measures, judged from vLLM's queue-time histogram.
            let report = try RunReport.load(runID: run.id, store: p.setup.store)
            let queue = try #require(report.checks.last?.verdict.metrics.first { $0.metric == "queue_ms" })
            #expect(queue.outcome == "pass" && queue.sentence.contains("vllm:request_queue_time_seconds_bucket{job=\"sims\",track=\"candidate\"}"), "\(queue)")
            #expect(queue.sentence.contains("baseline ") && !queue.sentence.contains("no data"), "\(queue)")
        } catch { Issue.record(error) }
        await p.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func rollbackRulesReadTheCandidatesErrorRateAndMeanFromPrometheus() async throws {
        // The candidate fails a fifth of its requests and its prefill is 30% slower; no 'analysis: fail'
        // rule, so only the rules can roll it back: error_rate (counters) and the mean TTFT (_sum / _count).
        var failing = Self.profile(seed: 2, prefillMs: 260)
        failing.faults.serverError = 0.2
        let p = try await PromSetup(candidate: failing, stages: """
              - canary: { weight: 50, min_samples: 100000, max_samples: 200000, max_duration: 60s }
              - full: {}
            """, metrics: "    - { metric: ttft_ms, tolerance: 25% }\n",
            rules: "    - error_rate: { above: 0.05, consecutive: 2 }\n    - objective: { metric: ttft_ms, quantile: mean, consecutive: 2 }\n",
            objectives: "  ttft_ms: { p95: 5000, mean: 235 }")
        do {
            let (run, state) = try await p.setup.run()
            #expect(state.phase == .rolledBack, "\(state.phase) \(state.lastCheck?.summary ?? "")")
            // Whichever rule reaches its second breach first (the 5xx series appears with the first failure,
            // so Prometheus' increase may miss the first ones), its reason names the source's queries.
            let reason = state.finish?.reason ?? ""
            switch state.finish?.trigger {
            case "error_rate>0.05"?:
                #expect(reason.contains(#"from the metrics source's counters: `sum(increase(http_requests_total{job="sims",track="candidate",status="5xx"}"#), "\(reason)")
            case "objective:ttft_ms.mean"?:
                #expect(reason.contains(#"(the metrics source's _sum / _count: `sum(increase(vllm:time_to_first_token_seconds_sum{job="sims",track="candidate"}"#), "\(reason)")
            default:
                Issue.record("rolled back by \(state.finish?.trigger ?? "nothing"): \(reason)")
            }
            let checks = try p.checks(run.id)
            #expect(checks.contains { $0.breaches.contains("objective:ttft_ms.mean") }, "\(checks.map(\.breaches))")
            #expect(checks.contains { $0.breaches.contains("error_rate>0.05") }, "\(checks.map(\.breaches))")
            // Every check journals what the rules read: the mean from the histogram's _sum and _count increases.
            let report = try RunReport.load(runID: run.id, store: p.setup.store)
            guard case .object(let detail)? = report.checks.last?.verdict.detail, let value = detail["rule_readings"] else {
                Issue.record("no rule readings in \(String(describing: report.checks.last?.verdict.detail))")
                await p.stop()
                return
            }
            let readings = try JSONDecoder().decode([String: RuleReading].self, from: JSONEncoder().encode(value))
            guard case .latency(let ms, let requests, let queries)? = readings["objective:ttft_ms.mean"] else {
                Issue.record("\(readings)")
                await p.stop()
                return
            }
            #expect(ms > 235 && requests > 0, "\(ms) ms over \(requests)")
            #expect(queries.first?.contains(#"vllm:time_to_first_token_seconds_sum{job="sims",track="candidate"}"#) == true, "\(queries)")
            guard case .rate(let errors, let total, _)? = readings["error_rate>0.05"] else { Issue.record("\(readings)"); await p.stop(); return }
            #expect(errors > 0 && Double(errors) / Double(total) > 0.05, "\(errors) of \(total)")
        } catch { Issue.record(error) }
        await p.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func prometheusStoppedMidStagePausesTheRunWithTheReason() async throws {
        let p = try await PromSetup(candidate: Self.profile(seed: 2), stages: """
              - canary: { weight: 50, min_samples: 100000, max_samples: 200000, max_duration: 90s }
              - full: {}
            """, source: "  source_errors: 2")
        do {
            let setup = p.setup
            let driving = Task { try await setup.run(returnWhenWaiting: true) }
            // Once a check has been judged from Prometheus, Prometheus goes away.
            let judged = try await waitUntil(timeout: .seconds(60)) {
                let runs = try setup.store.read { try $0.runs(limit: 5, kinds: [.rollout]) }
                guard let run = runs.first else { return false }
                return try p.checks(run.id).contains { $0.summary.contains("Judged from prometheus") && $0.baselineSamples > 0 }
            }
            #expect(judged)
            p.prometheus.stop()
            let (run, state) = try await driving.value
            #expect(state.phase == .paused, "\(state.phase) \(state.lastCheck?.summary ?? "")")
            #expect(state.pauseReason?.contains("metrics source failed at 2 consecutive checks") == true, "\(state.pauseReason ?? "")")
            #expect(state.pauseReason?.contains("unreachable") == true || state.pauseReason?.contains("did not answer") == true)
            let failed = try p.checks(run.id).suffix(2)
            #expect(failed.allSatisfy { $0.decision == "hold" && $0.summary.hasPrefix("No data") }, "\(failed.map(\.summary))")
        } catch { Issue.record(error) }
        await p.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func aFailingDryRunMetricChangesNothing() async throws {
        // Same prefill, decode 12x slower: ttft_ms passes, the per-request time per output token fails.
        var slowDecode = Self.profile(seed: 2)
        slowDecode.decode = .init(medianMs: 25, spread: 0.1)
        let p = try await PromSetup(candidate: slowDecode, metrics: """
                - { metric: ttft_ms, tolerance: 25%, critical: true }
                - { metric: error_rate, tolerance: 3pp, critical: true }
                - { metric: itl_ms, tolerance: 10%, critical: true, dry_run: true }
                - { name: tokens-per-request, query: 'sum(increase(vllm:generation_tokens_total{{selector}}{{window}})) / sum(increase(vllm:e2e_request_latency_seconds_count{{selector}}{{window}}))', worse: lower, tolerance: 50%, critical: true }
                - { name: candidate-requests, query: 'sum(increase(vllm:e2e_request_latency_seconds_count{{selector}}{{window}}))', max: 0, critical: true, dry_run: true }

            """)
        do {
            let (run, state) = try await p.setup.run()
            #expect(state.phase == .promoted, "\(state.finish?.reason ?? "") \(state.lastCheck?.summary ?? "")")
            let report = try RunReport.load(runID: run.id, store: p.setup.store)
            let line = try #require(report.checks.last?.verdict.metrics.first { $0.metric == "itl_ms (dry run)" })
            #expect(line.outcome == "fail", "\(line)")
            #expect(line.sentence.contains("vllm:request_time_per_output_token_seconds_bucket"))
            // Query metrics on the real Prometheus: the decisive one passes, the failing dry-run one changes nothing.
            let lines = report.checks.last?.verdict.metrics ?? []
            #expect(lines.first { $0.metric == "tokens-per-request" }?.outcome == "pass", "\(lines)")
            #expect(lines.first { $0.metric == "candidate-requests (dry run)" }?.outcome == "fail", "\(lines)")
        } catch { Issue.record(error) }
        await p.stop()
    }
}
