import Foundation
import Testing
@testable import TollgateEngine
import TollgateCore
import TollgateSimulator
import TollgateTestSupport
import TollgateTraffic

/// Each qualification step against a simulator configured with a known truth (one at a time:
/// the burst would slow the others' servers down).
@Suite("Qualification against the simulator", .serialized)
struct QualificationTests {
    /// A simulator with constant latencies (spread `spread`), `tokens` output tokens, and `serving`.
    static func profile(prefillMs: Double, decodeMs: Double, tokens: Int, spread: Double = 0.02,
                        maxInputTokens: Int? = nil, _ serving: SimulatorProfile.Serving = .init()) -> SimulatorProfile {
        var p = SimulatorProfile(seed: 3, prefill: .init(medianMs: prefillMs, spread: spread, perInputTokenMs: 0),
                                 decode: .init(medianMs: decodeMs, spread: spread),
                                 outputTokens: .init(median: Double(tokens), spread: 0, min: tokens, max: tokens),
                                 maxInputTokens: maxInputTokens)
        p.serving = serving
        return p
    }

    /// Loads a pipeline whose candidate is `sim`, with `extra` YAML appended (objectives, qualify…).
    static func pipeline(_ sim: Simulator, in folder: TemporaryFolder, _ extra: String, candidate: String = "") throws -> Pipeline {
        let limit = sim.profile.maxInputTokens.map { "\n  max_input_tokens: \($0)" } ?? ""
        let traffic = folder.path("traffic.jsonl")
        try (0..<4).map { #"{"id":"r\#($0)","body":{"messages":[{"role":"user","content":"question \#($0)"}],"stream":true}}"# }
            .joined(separator: "\n").write(toFile: traffic, atomically: true, encoding: .utf8)
        let yaml = """
        version: 1
        kind: pipeline
        name: qualify-test
        model:
          name: tollgate-sim\(limit)
          baseline: { version: "1", endpoint: "\(sim.baseURL)" }
          candidate: { version: "2", endpoint: "\(sim.baseURL)"\(candidate) }
        traffic: { source: traffic.jsonl }
        stages:
          - full: {}
        \(extra)
        """
        let path = folder.path("pipeline.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try DocumentLoader.loadPipeline(at: path)
    }

    static func qualify(_ profile: SimulatorProfile, only: [QualifyConfig.Step], _ extra: String,
                        candidate: String = "") async throws -> QualificationReport {
        let sim = try await Simulator.start(profile: profile)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        do {
            let runner = try QualificationRunner(pipeline: try pipeline(sim, in: folder, extra, candidate: candidate), arm: .candidate, only: only)
            let report = try await runner.run()
            await sim.stop()
            return report
        } catch {
            await sim.stop()
            throw error
        }
    }

    static func verdict(_ report: QualificationReport, _ id: String) -> ItemVerdict? { report.items.first { $0.id == id } }

    @Test func timesARestartCommandUntilTheFirstInference() async throws {
        let report = try await Self.qualify(Self.profile(prefillMs: 5, decodeMs: 1, tokens: 2), only: [.coldStart], """
        autoscaling: { cold_start: 10s }
        qualify: { cold_start: { repeats: 2 } }
        """, candidate: ", restart_command: \"sleep 0.3\"")
        let cold = try #require(report.coldStart)
        #expect(cold.method == "restart_command" && cold.seconds.count == 2)
        #expect(cold.seconds.allSatisfy { $0 >= 0.3 && $0 < 10 }, "\(cold.seconds)")
        #expect(cold.declaredSeconds == 10 && Self.verdict(report, "autoscaling.cold_start")?.verdict == .within)
    }

    @Test func detectsAWarmupOfTwentyRequests() async throws {
        // 80 ms against 240 ms: a 10% band of 8 ms, wide enough for a loaded machine's jitter.
        let profile = Self.profile(prefillMs: 80, decodeMs: 1, tokens: 2, .init(warmupRequests: 20, warmupFactor: 3))
        let report = try await Self.qualify(profile, only: [.warmup], """
        autoscaling: { warmup: 25 requests }
        qualify: { warmup: { requests: 42, window: 7, max_tokens: 2 } }
        """)
        let warmup = try #require(report.warmup)
        let n = try #require(warmup.warmupRequests)
        #expect((17...23).contains(n), "detected \(n): \(warmup.ttftMs)")
        #expect(try #require(warmup.firstRequestTtftMs) > 200)
        #expect(Self.verdict(report, "autoscaling.warmup")?.verdict == .within)
    }

    @Test func findsTheKneeAtACapacityOfEight() async throws {
        let profile = Self.profile(prefillMs: 100, decodeMs: 10, tokens: 8, .init(capacity: 8))
        let report = try await Self.qualify(profile, only: [.sweep], """
        objectives: { ttft_ms: { p50: 200 } }
        qualify: { sweep: { concurrency: [2, 4, 8, 16], requests_per_slot: 3, min_requests: 8 } }
        """)
        let sweep = try #require(report.sweep)
        #expect(sweep.levels.map(\.concurrency) == [2, 4, 8, 16], "\(sweep.levels.map { ($0.concurrency, $0.breaches, $0.summary.errors) })")
        #expect(sweep.qualifiedConcurrency == 8, "\(sweep.levels.map { ($0.concurrency, $0.summary.requestsPerSecond, $0.summary.ttftMs.p95 ?? -1) })")
        #expect(sweep.kneeConcurrency == 8, "\(sweep.levels.map { ($0.concurrency, $0.summary.requestsPerSecond) })")
        #expect(sweep.levels.last?.passes == false)
        #expect(Self.verdict(report, "objectives.latency")?.verdict == .within)
    }

    @Test func aBurstBeyondCapacityIsShedWith429AndRecovers() async throws {
        let profile = Self.profile(prefillMs: 40, decodeMs: 5, tokens: 4, .init(capacity: 4, queueLimit: 4))
        let report = try await Self.qualify(profile, only: [.burst], """
        qualify: { burst: { rate: 250, duration: 1500ms, baseline_requests: 3, recovery_timeout: 10s } }
        """)
        let burst = try #require(report.burst)
        #expect(burst.shed > 20, "\(burst.summary.errors)")
        #expect(burst.summary.errors["http_429"] == burst.shed)
        #expect(burst.timedOut == 0)
        let recovery = try #require(burst.recoverySeconds)
        #expect(recovery < 3, "recovered after \(recovery)s")
        #expect(Self.verdict(report, "reliability.burst_test")?.verdict == .within)
        #expect(Self.verdict(report, "reliability.retries")?.verdict == .within)
    }

    @Test func justOverTheInputLimitGetsAClassifiedContextLengthError() async throws {
        let profile = Self.profile(prefillMs: 5, decodeMs: 1, tokens: 2, maxInputTokens: 256)
        let report = try await Self.qualify(profile, only: [.inputVariability], """
        qualify: { input_variability: { fractions: [0.1, 0.9], requests_per_bucket: 1, max_tokens: 2 } }
        """)
        let v = try #require(report.inputVariability)
        #expect(v.buckets.map(\.inputTokens) == [26, 230])
        #expect(v.buckets.allSatisfy { $0.succeeded == $0.requests }, "\(v.buckets)")
        #expect(v.overLimit?.errorClass == "context_length" && v.overLimit?.status == 400)
        #expect(v.unusual.allSatisfy { $0.handled }, "\(v.unusual)")
        #expect(Self.verdict(report, "model.max_input_tokens")?.verdict == .within)
        #expect(Self.verdict(report, "reliability.input_variability")?.verdict == .within)
    }

    @Test func findsTheDeclaredMetricsOnMetricsAndTheUndeclaredErrorClasses() async throws {
        let metrics = try await WebhookReceiver.start(body: """
        # TYPE vllm:gpu_cache_usage_perc gauge
        vllm:gpu_cache_usage_perc{model_name="m"} 0.25
        # TYPE vllm:generation_tokens counter
        vllm:generation_tokens_total{model_name="m"} 1200
        """, contentType: "text/plain; version=0.0.4")
        defer { Task { await metrics.stop() } }
        let profile = Self.profile(prefillMs: 5, decodeMs: 1, tokens: 2, maxInputTokens: 64)
        let report = try await Self.qualify(profile, only: [.inputVariability, .observability], """
        observability:
          cache_metrics: [vllm:gpu_cache_usage_perc, vllm:num_preemptions_total]
          throughput_metrics: [vllm:generation_tokens]
          error_classes: [oom]
        qualify:
          input_variability: { fractions: [0.5], requests_per_bucket: 1, max_tokens: 2 }
          observability: { metrics_url: "http://127.0.0.1:\(metrics.port)/metrics" }
        """)
        let o = try #require(report.observability)
        #expect(o.metricsFound["observability.throughput"] == ["vllm:generation_tokens"])
        #expect(o.metricsMissing["observability.cache"] == ["vllm:num_preemptions_total"])
        #expect(o.undeclaredSeen == ["context_length"], "\(report.errorClassesSeen)")
        #expect(Self.verdict(report, "observability.throughput")?.verdict == .within)
        #expect(Self.verdict(report, "observability.cache")?.verdict == .outside)
        #expect(Self.verdict(report, "observability.error_classes")?.verdict == .outside)
        #expect(Self.verdict(report, "observability.gpu")?.verdict == .missing)
    }

    @Test func flagsAFirstTokenTimeoutTooTightForTheModel() async throws {
        let profile = Self.profile(prefillMs: 120, decodeMs: 2, tokens: 4)
        let report = try await Self.qualify(profile, only: [.sweep, .timeouts], """
        reliability: { timeouts: { first_token: 50ms, idle: 5s, total: 30s } }
        qualify: { sweep: { concurrency: [1], min_requests: 4 } }
        """)
        let checks = try #require(report.timeouts).checks
        let firstToken = try #require(checks.first { $0.timeout == "first_token" })
        #expect(firstToken.problem?.hasPrefix("cuts healthy requests") == true)
        #expect(checks.first { $0.timeout == "total" }?.problem?.hasPrefix("looser than needed") == true)
        let item = try #require(Self.verdict(report, "reliability.timeouts"))
        #expect(item.verdict == .outside && item.measured?.contains("first_token 0.050s") == true)
    }
}

@Suite("Qualification analysis")
struct QualificationAnalysisTests {
    @Test func aStepFromSlowToFastIsFoundWhereItHappens() {
        let ttft: [Double?] = Array(repeating: 300, count: 20) + Array(repeating: 100, count: 40)
        let found = WarmupDetector.detect(ttft, window: 5, tolerance: 0.1)
        #expect(found.steady == 100 && found.warmup == 20)
        #expect(WarmupDetector.detect(Array(repeating: 100, count: 30), window: 5, tolerance: 0.1).warmup == 0)
        let failing: [Double?] = Array(repeating: nil, count: 10) + Array(repeating: 100, count: 20)
        #expect(WarmupDetector.detect(failing, window: 5, tolerance: 0.1).warmup == 10)
    }

    @Test func readsTheNumbersOfDeclaredFacts() throws {
        #expect(DeclaredFacts.firstNumber("2400 output tokens/s on A100-80GB") == 2400)
        #expect(DeclaredFacts.firstNumber("readiness gate waits for 20 warm-up requests") == 20)
        #expect(DeclaredFacts.metricNames("vllm:gpu_cache_usage_perc, vllm:num_preemptions_total") == ["vllm:gpu_cache_usage_perc", "vllm:num_preemptions_total"])
        #expect(DeclaredFacts.metricNames("dcgm-exporter DCGM_FI_DEV_GPU_UTIL and FB_USED") == ["DCGM_FI_DEV_GPU_UTIL", "FB_USED"])
        let exposed = PrometheusNames.parse("# TYPE a counter\nvllm:generation_tokens_total 5\nlat_bucket{le=\"1\"} 2\n")
        #expect(PrometheusNames.exposes(exposed, "vllm:generation_tokens") && PrometheusNames.exposes(exposed, "lat"))
        #expect(!PrometheusNames.exposes(exposed, "vllm:gpu_cache_usage_perc"))
    }
}
