/// Reads `metrics_source:` (today only `prometheus:`), reporting every problem at its line and column.
enum MetricsSourceReader {
    static func read(_ m: MappingReader?) -> MetricsSourceConfig? {
        guard let m else { return nil }
        CommonChecks.rejectInlineSecrets(m, what: "'metrics_source'")
        let prometheus = readPrometheus(m.required("prometheus", in: "'metrics_source'")?.mapping())
        let action = m.oneOf("on_source_error", MetricsSourceConfig.ErrorAction.allCases.map(\.rawValue))
            .flatMap(MetricsSourceConfig.ErrorAction.init(rawValue:)) ?? .pause
        let limit = m.int("source_errors", in: 1...1000) ?? 3
        m.finish(what: "'metrics_source'")
        return prometheus.map { MetricsSourceConfig(prometheus: $0, onSourceError: action, errorLimit: limit) }
    }

    static func readPrometheus(_ m: MappingReader?) -> PrometheusSourceConfig? {
        guard let m else { return nil }
        CommonChecks.rejectInlineSecrets(m, what: "'metrics_source.prometheus'")
        let url = CommonChecks.endpoint(m.required("url", in: "'metrics_source.prometheus'"))
        let tokenEnv = CommonChecks.envName(m.value("token_env"))
        let timeout = m.duration("timeout") ?? .seconds(10)
        let preset = m.oneOf("preset", PrometheusSourceConfig.Preset.allCases.map(\.rawValue))
            .flatMap(PrometheusSourceConfig.Preset.init(rawValue:)) ?? .vllm
        var baseline: PromSelector?, candidate: PromSelector?
        if let s = m.required("selectors", in: "'metrics_source.prometheus'")?.mapping() {
            baseline = selector(s.required("baseline", in: "'metrics_source.prometheus.selectors'"))
            candidate = selector(s.required("candidate", in: "'metrics_source.prometheus.selectors'"))
            s.finish(what: "'metrics_source.prometheus.selectors'")
            if let baseline, let candidate, baseline == candidate {
                s.context.report(s.value.mark, "'metrics_source.prometheus.selectors' must tell the arms apart: baseline and candidate select the same series (\(baseline))")
            }
        }
        m.finish(what: "'metrics_source.prometheus'")
        guard let url, let baseline, let candidate else { return nil }
        return PrometheusSourceConfig(url: url, tokenEnv: tokenEnv, timeout: timeout, preset: preset, baseline: baseline, candidate: candidate)
    }

    /// A PromQL selector such as `{model_name="chat-2.4"}`.
    static func selector(_ value: YAMLValue?) -> PromSelector? {
        guard let value, let text = value.nonEmptyString() else { return nil }
        do {
            return try PromSelector.parse(text)
        } catch let error as PromSelector.ParseError {
            value.context.report(value.mark, "'\(value.path)' is not a PromQL selector: \(error) in '\(text)'; write e.g. '{model_name=\"chat-2.4\"}'")
        } catch {
            value.context.report(value.mark, "'\(value.path)' is not a PromQL selector: \(error)")
        }
        return nil
    }

    /// `{name, query, worse, tolerance, critical, dry_run}` or `{name, query, max | min, critical, dry_run}`.
    static func readCustomMetric(_ item: YAMLValue) -> CustomMetricConfig? {
        guard let m = item.mapping() else { return nil }
        let name = m.required("name", in: "'\(item.path)' (a query metric)")?.nonEmptyString()
        let query = m.required("query", in: "'\(item.path)'")?.nonEmptyString()
        let worse = m.oneOf("worse", MetricCriterionConfig.Worse.allCases.map(\.rawValue)).flatMap(MetricCriterionConfig.Worse.init(rawValue:))
        let tolerance = m.tolerance("tolerance")
        let max = m.double("max"), min = m.double("min")
        let critical = m.bool("critical") ?? false
        let dryRun = m.bool("dry_run") ?? false
        m.finish(what: "'\(item.path)' (a query metric: name, query, worse, tolerance, max, min, critical, dry_run)")
        let absolute = [m.has("max"), m.has("min")].filter { $0 }.count
        if absolute > 1 || (absolute == 1 && (m.has("worse") || m.has("tolerance"))) {
            item.context.report(item.mark, "'\(item.path)' compares with the baseline (worse, tolerance) or checks the candidate against one bound (max or min), not both")
            return nil
        }
        if let query, !query.contains("{{selector}}"), !query.contains("{{version}}") {
            item.context.report(m.value("query")?.mark, "'\(item.path).query' names neither {{selector}} nor {{version}}, so it cannot tell the versions apart")
            return nil
        }
        guard let name, let query else { return nil }
        let check: CustomMetricConfig.Check
        if let max { check = .max(max) } else if let min { check = .min(min) } else if absolute == 1 { return nil } else {
            check = .relative(worse: worse ?? .higher, tolerance: tolerance ?? .relative(0.10))
        }
        return CustomMetricConfig(name: name, query: query, check: check, critical: critical, dryRun: dryRun)
    }
}
