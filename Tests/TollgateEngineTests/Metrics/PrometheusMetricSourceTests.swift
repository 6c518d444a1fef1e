import AsyncHTTPClient
import Foundation
import Testing
import TollgateAnalysis
import TollgateCore
import TollgateStats
import TollgateTestSupport
@testable import TollgateEngine

@Suite("Prometheus metric source")
struct PrometheusMetricSourceTests {
    static let config = PrometheusSourceConfig(url: "http://unused", preset: .vllm,
                                               baseline: PromSelector([.init("track", .equal, "baseline")]),
                                               candidate: PromSelector([.init("track", .equal, "candidate")]))

    static func vector(_ items: [(String?, Double)]) -> String {
        let result = items.map { le, v in
            #"{"metric":{\#(le.map { #""le":"\#($0)""# } ?? "")},"value":[1,"\#(v)"]}"#
        }.joined(separator: ",")
        return #"{"status":"success","data":{"resultType":"vector","result":[\#(result)]}}"#
    }

    /// Answers like Prometheus scraping two vLLM servers: the candidate's TTFT one bucket slower.
    static func answer(_ uri: String) -> (status: Int, body: String) {
        let query = URLComponents(string: "http://x" + uri)?.queryItems?.first { $0.name == "query" }?.value ?? ""
        let candidate = query.contains(#"track="candidate""#)
        if query.contains("time_to_first_token_seconds_bucket") {
            return (200, vector(candidate ? [("0.1", 0), ("0.25", 40.4), ("+Inf", 50)] : [("0.1", 30), ("0.25", 45), ("+Inf", 45.2)]))
        }
        if query.contains("e2e_request_latency_seconds_bucket") { return (200, vector([])) }
        if query.contains("_count") { return (200, vector([(nil, candidate ? 50 : 45)])) }
        if query.contains(#"status="5xx""#) { return (200, vector([(nil, candidate ? 2 : 0)])) }
        if query.contains("http_requests_total") { return (200, vector([(nil, candidate ? 52 : 45)])) }
        return (400, #"{"status":"error","errorType":"bad_data","error":"unexpected query"}"#)
    }

    /// A minimal live-traffic pipeline whose `analysis.metrics` are the given YAML items, with `source`
    /// (a `metrics_source:` section) when given.
    static func pipeline(metrics items: [String], source: String = "") throws -> Pipeline {
        try DocumentLoader.loadPipeline(text: """
            version: 1
            kind: pipeline
            name: p
            model:
              name: m
              baseline:  { version: "1", endpoint: "http://127.0.0.1:9/v1" }
              candidate: { version: "2", endpoint: "http://127.0.0.1:9/v1" }
            traffic: { via: live }
            analysis:
              metrics:
            \(items.map { "    - \($0)" }.joined(separator: "\n"))
            stages:
              - canary: { weight: 5, min_samples: 10, max_duration: 1m }
            \(source)
            """, path: "p.yaml", checkFiles: false)
    }

    /// The pipeline's `analysis.metrics` for these metric names (as the loader builds them).
    static func metrics(_ names: [String]) throws -> [MetricCriterionConfig] {
        try pipeline(metrics: names.map { "{ metric: \($0)\($0 == "quality" ? ", suite: s.yaml" : "") }" }).analysis.metrics
    }

    @Test func bucketIncreasesBecomeOneObservationPerRequest() async throws {
        let server = try await CannedHTTPServer.start(Self.answer)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { await server.stop() } }
        let source = PrometheusMetricSource(client: PrometheusClient(url: server.url, token: nil, client: http), config: Self.config)
        let end = Date()
        let window = MeasurementWindow(start: end.addingTimeInterval(-30), end: end, baseline: [], candidate: [])
        let m = try await source.measure(try Self.metrics(["ttft_ms", "e2e_ms", "error_rate", "quality"]), window: window)
        try await http.shutdown()
        #expect(m.baselineCount == 45 && m.candidateCount == 50)
        let ttft = try #require(m.observations["ttft_ms"])
        // (0, 0.1] → 50 ms; (0.1, 0.25] → √(0.1·0.25) s ≈ 158 ms; (0.25, +Inf) → 250 ms.
        #expect(ttft.baseline.count == 45 && ttft.candidate.count == 50)
        #expect(ttft.baseline.filter { $0 == 50 }.count == 30)
        #expect(abs(ttft.candidate[0] - 1000 * (0.1 * 0.25).squareRoot()) < 1e-9)
        #expect(ttft.candidate.filter { $0 == 250 }.count == 10)
        let rate = try #require(m.observations["error_rate"])
        #expect(rate.candidate.count == 52 && rate.candidate.filter { $0 == 1 }.count == 2 && rate.baseline.allSatisfy { $0 == 0 })
        // A metric whose query matched nothing has no data, with the query that matched nothing.
        #expect(m.observations["e2e_ms"] == MetricSamples(baseline: [], candidate: []))
        let e2e = try #require(m.measured.first { $0.metric == "e2e_ms" })
        #expect(e2e.nodataReason?.contains("no series matched") == true && e2e.nodataReason?.contains("e2e_request_latency_seconds_bucket") == true)
        // quality is not Prometheus' to measure: left to the samples.
        #expect(m.observations["quality"] == nil)
        let measuredTTFT = try #require(m.measured.first { $0.metric == "ttft_ms" })
        #expect(measuredTTFT.queries == [#"sum by (le) (increase(vllm:time_to_first_token_seconds_bucket{track="baseline"}[30s]))"#,
                                          #"sum by (le) (increase(vllm:time_to_first_token_seconds_bucket{track="candidate"}[30s]))"#])
        #expect((measuredTTFT.binnedMannWhitneyP ?? 1) < 0.001)
    }

    static func query(_ uri: String) -> String {
        URLComponents(string: "http://x" + uri)?.queryItems?.first { $0.name == "query" }?.value ?? ""
    }

    @Test func sglangInterTokenGapsAreWeightedToWhatTheyAreWorthInRequests() async throws {
        // Every gap is an observation: 1000 gaps of 50 requests (baseline), 800 of 40 (candidate).
        let server = try await CannedHTTPServer.start { uri in
            let query = Self.query(uri), candidate = query.contains(#"track="candidate""#)
            if query.contains("sglang:inter_token_latency_seconds_bucket") {
                return (200, Self.vector(candidate ? [("0.01", 100), ("0.02", 600), ("+Inf", 800)] : [("0.01", 400), ("0.02", 900), ("+Inf", 1000)]))
            }
            if query.contains("sglang:e2e_request_latency_seconds_count") { return (200, Self.vector([(nil, candidate ? 40 : 50)])) }
            if query.contains("sglang:queue_time_seconds_bucket") { return (200, Self.vector([("0.1", candidate ? 30 : 45), ("+Inf", candidate ? 40 : 50)])) }
            return (400, #"{"status":"error","errorType":"bad_data","error":"unexpected query"}"#)
        }
        // queue_ms needs a metrics_source to validate: the criterion is itl_ms's, renamed.
        let itlCriterion = try Self.metrics(["itl_ms"])
        var queueCriterion = itlCriterion[0]
        queueCriterion.metric = .queueMs
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var config = Self.config
        config.preset = .sglang
        // At most 25 tokens per request: 1000 gaps are worth 40 requests (of 50), 800 are worth 32 (of 40).
        let source = PrometheusMetricSource(client: PrometheusClient(url: server.url, token: nil, client: http), config: config, maxTokensPerRequest: 25)
        let end = Date()
        let window = MeasurementWindow(start: end.addingTimeInterval(-30), end: end, baseline: [], candidate: [])
        let m = try await source.measure(itlCriterion + [queueCriterion], window: window)
        // Without the bound the gaps cannot be weighted honestly: no data, saying what is missing.
        let unbounded = try await PrometheusMetricSource(client: PrometheusClient(url: server.url, token: nil, client: http), config: config)
            .measure(itlCriterion, window: window)
        try await http.shutdown()
        await server.stop()
        let itl = try #require(m.observations["itl_ms"])
        // [400, 500, 100] → [16, 20, 4]; [100, 500, 200] → [4, 20, 8]: 5 ms, √(10·20) ms and 20 ms (the +Inf bucket).
        #expect(itl.baseline.count == 40 && itl.candidate.count == 32)
        #expect(itl.baseline.filter { $0 == 5 }.count == 16 && itl.candidate.filter { $0 == 5 }.count == 4)
        #expect(itl.candidate.filter { $0 == 20 }.count == 8)
        let entry = try #require(m.measured.first { $0.metric == "itl_ms" })
        #expect(entry.baselineCount == 40 && entry.candidateCount == 32)
        #expect(entry.baselineObservations == 1000 && entry.candidateObservations == 800)
        #expect(PrometheusMetricSource.weight(observations: 1000, requests: 30, maxTokens: 25) == 30)
        #expect(unbounded.observations["itl_ms"] == MetricSamples(baseline: [], candidate: []))
        #expect(unbounded.measured.first { $0.metric == "itl_ms" }?.nodataReason?.contains("model.max_output_tokens") == true)
        #expect(entry.queries.contains { $0.contains("sglang:e2e_request_latency_seconds_count") })
        // queue_ms: SGLang's per-request queue histogram, one observation per request, unweighted.
        let queue = try #require(m.measured.first { $0.metric == "queue_ms" })
        #expect(queue.baselineCount == 50 && queue.candidateCount == 40 && queue.baselineObservations == nil)
        #expect(queue.queries.first == #"sum by (le) (increase(sglang:queue_time_seconds_bucket{track="baseline"}[30s]))"#)
        // explain shows both counts.
        let verdict = StageVerdict(decision: .hold, score: nil, summary: "s", metrics: [.init(metric: "itl_ms", outcome: "pass", sentence: "ok.")], detailJSON: "{}")
        let line = RolloutEngine.annotate(verdict, with: m).metrics[0].sentence
        #expect(line.contains("baseline 40 / candidate 32 requests (weighted from 1000 / 800 observations: several per request)"), "\(line)")
    }

    @Test func rollbackRulesReadTheCandidatesCountersSumsAndBuckets() async throws {
        let server = try await CannedHTTPServer.start { uri in
            let query = Self.query(uri)
            guard query.contains(#"track="candidate""#) else { return (400, #"{"status":"error","errorType":"bad_data","error":"only the candidate"}"#) }
            if query.contains(#"status="5xx""#) { return (200, Self.vector([(nil, 6)])) }
            if query.contains("http_requests_total") { return (200, Self.vector([(nil, 100.4)])) }
            if query.contains("vllm:e2e_request_latency_seconds_sum") { return (200, Self.vector([(nil, 64)])) }
            if query.contains("vllm:e2e_request_latency_seconds_count") { return (200, Self.vector([(nil, 100)])) }
            if query.contains("time_to_first_token_seconds_bucket") { return (200, Self.vector([("0.1", 30), ("0.25", 45), ("+Inf", 45)])) }
            return (200, Self.vector([]))
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let source = PrometheusMetricSource(client: PrometheusClient(url: server.url, token: nil, client: http), config: Self.config)
        let end = Date()
        let rules: [RollbackRule] = [.analysis(onMarginal: false), .errorRate(above: 0.05, consecutive: 2),
                                     .objective(metric: .e2eMs, quantile: .mean, consecutive: 1),
                                     .objective(metric: .ttftMs, quantile: .p95, consecutive: 1),
                                     .objective(metric: .tpotMs, quantile: .p50, consecutive: 1)]
        #expect(rules.map(source.reads) == [false, true, true, true, true])
        let readings = try await source.readings(for: rules, window: MeasurementWindow(start: end.addingTimeInterval(-60), end: end, baseline: [], candidate: []))
        try await http.shutdown()
        await server.stop()
        #expect(readings.count == 4)
        #expect(readings["error_rate>0.05"] == .rate(errors: 6, requests: 100, queries: [
            #"sum(increase(http_requests_total{track="candidate",status="5xx"}[60s]))"#, #"sum(increase(http_requests_total{track="candidate"}[60s]))"#]))
        #expect(readings["objective:e2e_ms.mean"] == .latency(ms: 640, requests: 100, queries: [
            #"sum(increase(vllm:e2e_request_latency_seconds_sum{track="candidate"}[60s]))"#,
            #"sum(increase(vllm:e2e_request_latency_seconds_count{track="candidate"}[60s]))"#]))
        // p95 of 45: rank 42.75 in (0.1, 0.25] s → 100 + 150 · 12.75/15 ms.
        guard case .latency(let p95, 45, _)? = readings["objective:ttft_ms.p95"] else { Issue.record("\(String(describing: readings["objective:ttft_ms.p95"]))"); return }
        #expect(abs(p95 - 227.5) < 1e-9)
        guard case .nodata(let reason)? = readings["objective:tpot_ms.p50"] else { Issue.record("tpot has data"); return }
        #expect(reason.contains("no series matched") && reason.contains("vllm:request_time_per_output_token_seconds_bucket"), "\(reason)")
        // TGI exports no TTFT histogram: that objective stays with Tollgate's samples.
        var tgi = Self.config
        tgi.preset = .tgi
        let tgiSource = PrometheusMetricSource(client: PrometheusClient(url: "http://unused", token: nil, client: http), config: tgi)
        #expect(!tgiSource.reads(.objective(metric: .ttftMs, quantile: .p95, consecutive: 1)))
    }

    @Test func theLogMeanOfBinnedObservationsIsWithinHalfABucketsLogWidthOfTheTruth() {
        // vLLM's TTFT edges; latencies between 45 ms and 2 s (no value in the first or the +Inf bucket).
        let edges: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, .infinity]
        var state: UInt64 = 20261202
        func unit() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for spread in [0.2, 0.6, 1.2] {
            let values = (0..<3000).map { _ in min(2.0, max(0.045, 0.2 * exp(spread * (unit() + unit() + unit() - 1.5)))) }
            var counts = [Int](repeating: 0, count: edges.count)
            for v in values { counts[edges.firstIndex { v <= $0 }!] += 1 }
            let observed = PrometheusMetricSource.observations(.init(edges: edges, counts: BinnedCounts(counts)), scale: 1000)
            let truth = values.map { log($0 * 1000) }.reduce(0, +) / Double(values.count)
            let binned = observed.map(log).reduce(0, +) / Double(observed.count)
            let bound = zip(edges.dropFirst(), edges).enumerated().filter { counts[$0.offset + 1] > 0 }
                .map { log($0.element.0 / $0.element.1) / 2 }.max() ?? 0
            #expect(observed.count == values.count)
            #expect(abs(binned - truth) <= bound, "spread \(spread): error \(abs(binned - truth)) above \(bound)")
        }
    }

    @Test func failuresCountUpUntilAMeasurementSucceeds() async throws {
        let port = try freeLoopbackPort()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let source = PrometheusMetricSource(client: PrometheusClient(url: "http://127.0.0.1:\(port)", token: nil, timeout: .seconds(1), client: http),
                                            config: Self.config)
        let window = MeasurementWindow(start: Date().addingTimeInterval(-10), end: Date(), baseline: [], candidate: [])
        var seen: [Int] = []
        for _ in 0..<2 {
            do {
                _ = try await source.measure(try Self.metrics(["ttft_ms"]), window: window)
            } catch let failure as MetricSourceFailure {
                seen.append(failure.consecutive)
                #expect(failure.reason.contains("127.0.0.1:\(port)") && !failure.isInputError)
            }
        }
        try await http.shutdown()
        #expect(seen == [1, 2])
    }

    @Test func queryMetricsCompareTheArmsOrCheckTheCandidatesBound() async throws {
        let server = try await CannedHTTPServer.start { uri in
            let query = URLComponents(string: "http://x" + uri)?.queryItems?.first { $0.name == "query" }?.value ?? ""
            if query.contains("missing") { return (200, Self.vector([])) }
            if query.contains("preempt") { return (200, Self.vector([(nil, query.contains("candidate") ? 0.8 : 0)])) }
            // Two series per arm: summed. The candidate's is 30% higher.
            return (200, Self.vector(query.contains("candidate") ? [(nil, 0.6), (nil, 0.7)] : [(nil, 0.5), (nil, 0.5)]))
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let source = PrometheusMetricSource(client: PrometheusClient(url: server.url, token: nil, client: http), config: Self.config,
                                            versions: ("1.0", "2.0"))
        let end = Date()
        let window = MeasurementWindow(start: end.addingTimeInterval(-60), end: end, baseline: [], candidate: [])
        let results = try await source.evaluate([
            CustomMetricConfig(name: "kv", query: "avg(vllm:kv_cache_usage_perc{{selector}})", check: .relative(worse: .higher, tolerance: .relative(0.2))),
            CustomMetricConfig(name: "kv-loose", query: "avg(vllm:kv_cache_usage_perc{{selector}})", check: .relative(worse: .higher, tolerance: .relative(0.5))),
            CustomMetricConfig(name: "preemptions", query: "sum(rate(vllm:num_preemptions_total{{selector}}{{window}}))", check: .max(0.5), critical: true),
            CustomMetricConfig(name: "absent", query: #"missing{version="{{version}}"}"#, check: .min(1)),
        ], window: window)
        try await http.shutdown()
        await server.stop()
        #expect(results.map(\.outcome) == ["fail", "pass", "fail", "nodata"])
        #expect(results[0].baseline == 1 && abs((results[0].candidate ?? 0) - 1.3) < 1e-12)
        #expect(results[0].queries == [#"avg(vllm:kv_cache_usage_perc{track="baseline"})"#, #"avg(vllm:kv_cache_usage_perc{track="candidate"})"#])
        #expect(results[2].queries == [#"sum(rate(vllm:num_preemptions_total{track="candidate"}[60s]))"#])
        #expect(results[3].queries == [#"missing{version="2.0"}"#] && results[3].sentence.contains("no series matched"))
    }

    @Test func aFailingCriticalQueryMetricRollsBackAndOneWithoutDataHoldsAPromotion() throws {
        let verdict = StageVerdict(decision: .promote, score: 100, summary: "Every metric is shown no worse.", metrics: [], detailJSON: "{}")
        func result(_ outcome: String, critical: Bool = false, dryRun: Bool = false) -> CustomMetricResult {
            CustomMetricResult(name: "q", outcome: outcome, queries: ["up"], sentence: "q is \(outcome).", critical: critical, dryRun: dryRun)
        }
        #expect(RolloutEngine.apply([result("fail", critical: true)], to: verdict).decision == .rollback)
        #expect(RolloutEngine.apply([result("fail")], to: verdict).decision == .hold)
        #expect(RolloutEngine.apply([result("nodata")], to: verdict).decision == .hold)
        #expect(RolloutEngine.apply([result("pass")], to: verdict).decision == .promote)
        let dry = RolloutEngine.apply([result("fail", critical: true, dryRun: true)], to: verdict)
        #expect(dry.decision == .promote && dry.metrics.map(\.metric) == ["q (dry run)"] && dry.metrics[0].outcome == "fail")
    }
}
