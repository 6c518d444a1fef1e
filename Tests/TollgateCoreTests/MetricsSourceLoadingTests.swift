import Foundation
import Testing
import TollgateCore

/// The pipeline's `metrics_source:` section and `dry_run` metrics.
@Suite struct MetricsSourceLoadingTests {
    static func pipeline(_ source: String, metrics: String = "    - { metric: ttft_ms, tolerance: 10% }") -> String {
        """
        \(pipelineHead())
        analysis:
          metrics:
        \(metrics)
        stages:
          - canary: { weight: 5, min_samples: 10, max_duration: 1m }
        metrics_source:
        \(source)
        """
    }

    static func problems(_ source: String) -> [String] { pipelineProblems(pipeline(source)) }

    @Test func aPrometheusSourceIsReadWithItsSelectorsPresetAndErrorPolicy() throws {
        let loaded = try DocumentLoader.loadPipeline(text: Self.pipeline("""
              prometheus:
                url: "http://127.0.0.1:9090"
                token_env: PROM_TOKEN
                timeout: 3s
                preset: sglang
                selectors: { baseline: '{model_name="chat-1"}', candidate: '{model_name="chat-2", namespace=~"prod|canary"}' }
              on_source_error: rollback
              source_errors: 5
            """, metrics: "    - { metric: ttft_ms, tolerance: 10% }\n    - { metric: e2e_ms, dry_run: true }"), path: "p.yaml", checkFiles: false)
        let source = try #require(loaded.metricsSource)
        #expect(source.onSourceError == .rollback && source.errorLimit == 5)
        #expect(source.prometheus == PrometheusSourceConfig(
            url: "http://127.0.0.1:9090", tokenEnv: "PROM_TOKEN", timeout: .seconds(3), preset: .sglang,
            baseline: PromSelector([.init("model_name", .equal, "chat-1")]),
            candidate: PromSelector([.init("model_name", .equal, "chat-2"), .init("namespace", .regex, "prod|canary")])))
        #expect(loaded.analysis.metrics.map(\.dryRun) == [false, true])
        let defaults = try DocumentLoader.loadPipeline(text: Self.pipeline("""
              prometheus: { url: "http://p:9090", selectors: { baseline: '{v="1"}', candidate: '{v="2"}' } }
            """), path: "p.yaml", checkFiles: false)
        #expect(defaults.metricsSource?.onSourceError == .pause && defaults.metricsSource?.errorLimit == 3)
        #expect(defaults.metricsSource?.prometheus.preset == .vllm && defaults.metricsSource?.prometheus.timeout == .seconds(10))
    }

    @Test func queueTimeIsJudgedOnlyFromASourceAtCanaryStages() throws {
        let source = "  prometheus: { url: \"http://p:9090\", preset: tgi, selectors: { baseline: '{v=\"1\"}', candidate: '{v=\"2\"}' } }"
        let metrics = "    - { metric: queue_ms, tolerance: 20%, critical: true }"
        let loaded = try DocumentLoader.loadPipeline(text: Self.pipeline(source, metrics: metrics), path: "p.yaml", checkFiles: false)
        #expect(loaded.analysis.metrics.map(\.metric) == [.queueMs])
        #expect(PrometheusSourceConfig.Preset.allCases.allSatisfy { PrometheusPreset.named($0).maps(.queueMs) })
        // No metrics_source: Tollgate's samples cannot measure the server's queue.
        let unsourced = pipelineProblems(Self.pipeline("", metrics: metrics).replacingOccurrences(of: "metrics_source:\n", with: ""))
        #expect(unsourced.count == 1 && unsourced[0].hasPrefix("p.yaml:11:17: 'queue_ms' is the time requests wait in the model server's queue"), "\(unsourced)")
        #expect(unsourced.first?.contains("it needs a 'metrics_source'") == true && unsourced.first?.contains("add one or remove this metric") == true)
        // A dry-run one too: it could never be measured.
        let dry = pipelineProblems(Self.pipeline("", metrics: "    - { metric: queue_ms, dry_run: true }").replacingOccurrences(of: "metrics_source:\n", with: ""))
        #expect(dry.count == 1 && dry[0].contains("queue_ms"), "\(dry)")
        // A source, but no canary stage to read it at (shadow stages judge the samples).
        let shadowOnly = pipelineProblems(Self.pipeline(source, metrics: metrics).replacingOccurrences(
            of: "  - canary: { weight: 5, min_samples: 10, max_duration: 1m }", with: "  - shadow: { requests: 10 }\n  - full: {}"))
        #expect(shadowOnly.contains { $0.hasPrefix("p.yaml:11:17:") && $0.contains("judged only at canary stages") && $0.contains("add a canary stage") },
                "\(shadowOnly)")
    }

    @Test func sglangGapsNeedTheMostTokensARequestGenerates() throws {
        let source = "  prometheus: { url: \"http://p:9090\", preset: sglang, selectors: { baseline: '{v=\"1\"}', candidate: '{v=\"2\"}' } }"
        let text = Self.pipeline(source, metrics: "    - { metric: itl_ms, tolerance: 10% }")
        let problems = pipelineProblems(text)
        #expect(problems.count == 1 && problems[0].hasPrefix("p.yaml:11:17:") && problems[0].contains("set 'model.max_output_tokens'"), "\(problems)")
        let bounded = try DocumentLoader.loadPipeline(text: text.replacingOccurrences(of: "  name: m\n", with: "  name: m\n  max_output_tokens: 512\n"),
                                                      path: "p.yaml", checkFiles: false)
        #expect(bounded.model.maxOutputTokens == 512)
        // vLLM's itl_ms is per request: no bound needed.
        #expect(pipelineProblems(text.replacingOccurrences(of: "preset: sglang", with: "preset: vllm")).isEmpty)
    }

    @Test func everyBadKeyIsReportedWithFileLineAndColumn() {
        let selectors = "selectors: { baseline: '{v=\"1\"}', candidate: '{v=\"2\"}' }"
        let badURL = Self.problems("  prometheus: { url: \"ftp://p\", \(selectors) }")
        #expect(badURL.count == 1 && badURL[0].hasPrefix("p.yaml:15:") && badURL[0].contains("http:// or https://"), "\(badURL)")
        let token = Self.problems("  prometheus: { url: \"http://p\", token: abc, \(selectors) }")
        #expect(token.count == 1 && token[0].hasPrefix("p.yaml:15:") && token[0].contains("token_env"), "\(token)")
        let preset = Self.problems("  prometheus: { url: \"http://p\", preset: vlm, \(selectors) }")
        #expect(preset.count == 1 && preset[0].hasPrefix("p.yaml:15:") && preset[0].contains("vllm"), "\(preset)")
        let selector = Self.problems("  prometheus: { url: \"http://p\", selectors: { baseline: 'model_name=\"a\"', candidate: '{v=\"2\"}' } }")
        #expect(selector.count == 1 && selector[0].hasPrefix("p.yaml:15:") && selector[0].contains("not a PromQL selector")
                && selector[0].contains("starts with '{'"), "\(selector)")
        let same = Self.problems("  prometheus: { url: \"http://p\", selectors: { baseline: '{v=\"1\"}', candidate: '{v=\"1\"}' } }")
        #expect(same.count == 1 && same[0].contains("tell the arms apart"), "\(same)")
        let missing = Self.problems("  prometheus: { url: \"http://p\" }")
        #expect(missing.count == 1 && missing[0].hasPrefix("p.yaml:15:") && missing[0].contains("selectors"), "\(missing)")
        let action = Self.problems("  prometheus: { url: \"http://p\", \(selectors) }\n  on_source_error: explode")
        #expect(action.count == 1 && action[0].hasPrefix("p.yaml:16:") && action[0].contains("pause"), "\(action)")
        let unknown = Self.problems("  prometheus: { url: \"http://p\", \(selectors), step: 5s }")
        #expect(unknown.count == 1 && unknown[0].contains("step"), "\(unknown)")
        let limit = Self.problems("  prometheus: { url: \"http://p\", \(selectors) }\n  source_errors: 0")
        #expect(limit.count == 1 && limit[0].hasPrefix("p.yaml:16:"), "\(limit)")
    }

    @Test func theShippedVLLMIstioPipelineValidates() throws {
        let p = try DocumentLoader.loadPipeline(at: ShippedExamplesTests.root.appendingPathComponent("pipelines/vllm-istio.yaml").path)
        #expect(p.metricsSource?.prometheus.preset == .vllm && p.metricsSource?.prometheus.tokenEnv == "PROMETHEUS_TOKEN")
        #expect(p.traffic.via == .live && p.router.kind == .kubernetes)
        #expect(p.analysis.metrics.filter(\.dryRun).map(\.metric) == [.e2eMs])
        #expect(p.analysis.metrics.contains { $0.metric == .queueMs })
        #expect(p.rollback.rules.contains(.errorRate(above: 0.02, consecutive: 2)))
    }

    @Test func queryMetricsAreReadInBothFormsAndNeedASource() throws {
        let selectors = "  prometheus: { url: \"http://p:9090\", selectors: { baseline: '{v=\"1\"}', candidate: '{v=\"2\"}' } }"
        let loaded = try DocumentLoader.loadPipeline(text: Self.pipeline(selectors, metrics: """
                - { metric: ttft_ms, tolerance: 10% }
                - { name: preemptions, query: 'sum(rate(vllm:num_preemptions_total{{selector}}[5m]))', max: 0.5, critical: true }
                - { name: kv, query: 'avg(vllm:kv_cache_usage_perc{{selector}})', worse: higher, tolerance: 20%, dry_run: true }
            """), path: "p.yaml", checkFiles: false)
        #expect(loaded.analysis.metrics.map(\.metric) == [.ttftMs])
        #expect(loaded.analysis.customMetrics == [
            CustomMetricConfig(name: "preemptions", query: "sum(rate(vllm:num_preemptions_total{{selector}}[5m]))", check: .max(0.5), critical: true),
            CustomMetricConfig(name: "kv", query: "avg(vllm:kv_cache_usage_perc{{selector}})", check: .relative(worse: .higher, tolerance: .relative(0.2)),
                               dryRun: true),
        ])
        func problems(_ metrics: String, source: String = selectors) -> [String] { pipelineProblems(Self.pipeline(source, metrics: metrics)) }
        let both = problems("    - { name: x, query: 'up{{selector}}', max: 1, tolerance: 5% }")
        #expect(both.count == 1 && both[0].hasPrefix("p.yaml:11:") && both[0].contains("not both"), "\(both)")
        let blind = problems("    - { name: x, query: 'sum(up)', max: 1 }")
        #expect(blind.count == 1 && blind[0].hasPrefix("p.yaml:11:") && blind[0].contains("{{selector}}"), "\(blind)")
        let unnamed = problems("    - { query: 'up{{selector}}', max: 1 }")
        #expect(unnamed.count == 1 && unnamed[0].contains("'name'"), "\(unnamed)")
        let noSource = problems("    - { name: x, query: 'up{{selector}}', max: 1 }", source: "").filter { $0.contains("needs a 'metrics_source'") }
        #expect(noSource.count == 1, "\(noSource)")
    }
}
