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
}
