import Foundation
import Yams

/// Reads a `kind: pipeline` document into a ``Pipeline``, reporting every problem.
enum PipelineLoader {
    static func read(_ root: MappingReader, context: LoadContext) -> Pipeline? {
        _ = root.value("version"); _ = root.value("kind")
        let name = root.required("name", in: "the pipeline")?.nonEmptyString()
        let description = root.string("description")
        let model = readModel(root.required("model", in: "the pipeline")?.mapping(), context: context)
        let objectives = readObjectives(root.mapping("objectives"))
        let traffic = readTraffic(root.mapping("traffic"), context: context)
        let router = readRouter(root.mapping("router"))
        let analysis = readAnalysis(root.mapping("analysis"))
        let stages = StagesReader.read(root.required("stages", in: "the pipeline"), rate: traffic?.rate, context: context)
        let rollback = readRollback(root.mapping("rollback"), objectives: objectives)
        let release = readRelease(root.mapping("release"))
        let reliability = readReliability(root.mapping("reliability"))
        let security = readSecurity(root.mapping("security"))
        var facts: [String: String] = [:]
        CommonChecks.factSection(root, "compute", keys: ["peak_memory_gb", "peak_memory", "batch_sizes", "throughput_per_gpu",
                                                          "throughput_per_dollar", "instance_types", "node_affinity",
                                                          "parallelism", "quantization", "gpu_count"], into: &facts)
        CommonChecks.factSection(root, "autoscaling", keys: ["cold_start", "warmup", "batch_window", "strategy", "min_replicas",
                                                              "max_replicas", "peak_vs_steady", "scale_metric"], into: &facts)
        CommonChecks.factSection(root, "observability", keys: ["latency_decomposition", "gpu_metrics", "cache_metrics",
                                                                "error_classes", "throughput_metrics", "dashboards",
                                                                "prometheus", "tracing"], into: &facts)
        let required = readChecklistRequirements(root.mapping("checklist"))
        let notify = NotifyReader.read(root.value("notify"))
        let metricsSource = MetricsSourceReader.read(root.mapping("metrics_source"))
        if metricsSource == nil, root.value("metrics_source") == nil, let first = analysis.customMetrics.first {
            context.report(root.keyMark("analysis"), "the metric '\(first.name)' is a query: it needs a 'metrics_source' to run it on")
        }
        checkSourceMetrics(root, source: metricsSource, sourceWritten: root.value("metrics_source") != nil, stages: stages,
                           maxOutputTokens: model?.maxOutputTokens)
        let qualify = QualifyReader.read(root.mapping("qualify"))
        root.finish(what: "the pipeline")

        guard let name, let model, let stages, let router, let traffic else { return nil }
        flatten(root.value.node, prefix: "", into: &facts)
        return Pipeline(
            name: name, description: description, model: model, objectives: objectives, traffic: traffic,
            router: router, analysis: analysis, stages: stages, rollback: rollback, release: release,
            reliability: reliability, security: security, facts: facts, requiredChecklistItems: required, notify: notify,
            metricsSource: metricsSource,
            qualify: qualify
        )
    }

    // MARK: Model (checklist 1)

    static func readModel(_ m: MappingReader?, context: LoadContext) -> ModelSection? {
        guard let m else { return nil }
        let name = m.required("name", in: "'model'")?.nonEmptyString()
        let api = m.oneOf("api", ModelAPI.allCases.map(\.rawValue)).flatMap(ModelAPI.init(rawValue:)) ?? .chat
        let modalities = m.stringList("modalities") ?? ["text"]
        let maxInput = m.int("max_input_tokens", in: 1...100_000_000)
        let maxOutput = m.int("max_output_tokens", in: 1...100_000_000)
        let gpus = m.stringList("gpu_types_tested") ?? []
        let precisions = m.stringList("precisions_tested") ?? []
        let baseline = readVersion(m.required("baseline", in: "'model'")?.mapping(), arm: "baseline")
        let candidate = readVersion(m.required("candidate", in: "'model'")?.mapping(), arm: "candidate")
        m.finish(what: "'model'")
        guard let name, let baseline, let candidate else { return nil }
        return ModelSection(name: name, api: api, modalities: modalities, maxInputTokens: maxInput, maxOutputTokens: maxOutput,
                            gpuTypesTested: gpus, precisionsTested: precisions, baseline: baseline, candidate: candidate)
    }

    static func readVersion(_ m: MappingReader?, arm: String) -> ModelVersion? {
        guard let m else { return nil }
        CommonChecks.rejectInlineSecrets(m, what: "'model.\(arm)'")
        let version = m.required("version", in: "'model.\(arm)'")?.nonEmptyString()
        let revision = m.string("revision")
        let lineage = m.string("lineage")
        let endpoint = CommonChecks.endpoint(m.required("endpoint", in: "'model.\(arm)'"))
        let modelID = m.string("model_id")
        let keyEnv = CommonChecks.envName(m.value("api_key_env"))
        let headers = CommonChecks.rejectSecretHeaders(m.value("headers"))
        let start = m.value("start_command")?.nonEmptyString()
        let restart = m.value("restart_command")?.nonEmptyString()
        if start != nil, restart != nil, let mark = m.keyMark("restart_command") {
            m.context.report(mark, "'model.\(arm)' has both 'start_command' and 'restart_command'; give one")
        }
        m.finish(what: "'model.\(arm)'")
        guard let version, let endpoint else { return nil }
        return ModelVersion(version: version, revision: revision, lineage: lineage, endpoint: endpoint,
                            modelID: modelID, apiKeyEnv: keyEnv, headers: headers, startCommand: start, restartCommand: restart)
    }

    // MARK: Objectives (checklist 3)

    static func readObjectives(_ m: MappingReader?) -> Objectives {
        var latency: [LatencyMetric: QuantileTargets] = [:]
        var maxErrorRate: Double?
        var tokensPerSecond: Double?
        var requestsPerSecond: Double?
        guard let m else { return Objectives(latency: [:]) }
        for metric in LatencyMetric.allCases {
            guard let q = m.mapping(metric.rawValue) else { continue }
            latency[metric] = QuantileTargets(p50: q.double("p50", min: 0), p90: q.double("p90", min: 0),
                                              p95: q.double("p95", min: 0), p99: q.double("p99", min: 0),
                                              mean: q.double("mean", min: 0))
            q.finish(what: "'objectives.\(metric.rawValue)' (quantiles p50, p90, p95, p99, mean)")
        }
        if let e = m.mapping("error_rate") {
            maxErrorRate = e.double("max", min: 0, max: 1)
            e.finish(what: "'objectives.error_rate'")
        }
        if let t = m.mapping("throughput") {
            tokensPerSecond = t.double("output_tokens_per_second", min: 0)
            requestsPerSecond = t.double("requests_per_second", min: 0)
            t.finish(what: "'objectives.throughput'")
        }
        if let l = m.mapping("load_profile") {
            _ = l.facts(["steady_rps", "peak_rps", "description", "diurnal"])
            l.finish(what: "'objectives.load_profile'")
        }
        if let c = m.mapping("cost") {
            _ = c.facts(["per_1k_output_tokens_usd", "per_1k_input_tokens_usd", "per_request_usd", "per_gpu_hour_usd"])
            c.finish(what: "'objectives.cost'")
        }
        m.finish(what: "'objectives'")
        return Objectives(latency: latency, maxErrorRate: maxErrorRate, minOutputTokensPerSecond: tokensPerSecond,
                          minRequestsPerSecond: requestsPerSecond)
    }

    // MARK: Traffic, router, analysis

    static func readTraffic(_ m: MappingReader?, context: LoadContext) -> TrafficPlan? {
        guard let m else {
            return TrafficPlan(source: nil, concurrency: 8, rate: nil, timeout: .seconds(60), via: .replay, overrides: [:], warmupRequests: 0)
        }
        let source = CommonChecks.existingFile(m.value("source"))
        let concurrency = m.int("concurrency", in: 1...100_000) ?? 8
        let rate = m.double("rate", min: 0.001)
        let timeout = m.duration("timeout") ?? .seconds(60)
        let via = m.oneOf("via", TrafficVia.allCases.map(\.rawValue)).flatMap(TrafficVia.init(rawValue:)) ?? .replay
        var overrides: [String: JSONValue] = [:]
        if let o = m.mapping("overrides") {
            if let t = o.double("temperature", min: 0, max: 2) { overrides["temperature"] = .number(t) }
            if let s = o.int("seed") { overrides["seed"] = .integer(s) }
            if let mt = o.int("max_tokens", in: 1...10_000_000) { overrides["max_tokens"] = .integer(mt) }
            if let tp = o.double("top_p", min: 0, max: 1) { overrides["top_p"] = .number(tp) }
            o.finish(what: "'traffic.overrides'")
        }
        let warmup = m.int("warmup_requests", in: 0...1_000_000) ?? 0
        m.finish(what: "'traffic'")
        if via != .live, source == nil, !m.has("source") {
            context.report(m.value.mark, "'traffic' needs a 'source' (recorded traffic, JSON Lines) unless 'via: live'")
        }
        return TrafficPlan(source: source, concurrency: concurrency, rate: rate, timeout: timeout, via: via,
                           overrides: overrides, warmupRequests: warmup)
    }

    /// Reads `router:` into its type's typed settings. Every type also takes `url`, the OpenAI
    /// base URL clients use through the router (for `traffic.via: router`).
    static func readRouter(_ m: MappingReader?) -> RouterConfig? {
        // `type` defaults to the gateway, and the gateway's `admin` to its default address.
        guard let m else { return RouterConfig(.gateway(RouterConfig.Gateway())) }
        CommonChecks.rejectInlineSecrets(m, what: "'router'")
        let kind = m.has("type") ? m.oneOf("type", RouterConfig.Kind.allCases.map(\.rawValue)).flatMap(RouterConfig.Kind.init(rawValue:)) : .gateway
        var settings: RouterConfig.Settings?
        var url: String?
        switch kind {
        case .gateway:
            let admin = CommonChecks.endpoint(m.value("admin"))
            let tokenEnv = CommonChecks.envName(m.value("token_env"))
            url = CommonChecks.endpoint(m.value("url"))
            let run = m.string("gateway_run")
            if admin != nil || m.value("admin") == nil {   // absent or null: the default address
                settings = .gateway(RouterConfig.Gateway(admin: admin ?? RouterConfig.defaultGatewayAdmin, tokenEnv: tokenEnv, gatewayRun: run))
            }
        case .haproxy:
            let socket = m.string("socket")
            let defaults = RouterConfig.HAProxy(socket: "")
            let backend = m.string("backend"), baseline = m.string("baseline_server"), candidate = m.string("candidate_server")
            url = CommonChecks.endpoint(m.value("url"))
            if let socket {
                settings = .haproxy(RouterConfig.HAProxy(socket: socket, backend: backend ?? defaults.backend,
                                                         baselineServer: baseline ?? defaults.baselineServer,
                                                         candidateServer: candidate ?? defaults.candidateServer))
            } else {
                m.context.report(m.value.mark, "a haproxy router needs 'socket' (the admin socket path)")
            }
        case .kubernetes:
            settings = readKubernetesRouter(m).map(RouterConfig.Settings.kubernetes)
            url = CommonChecks.endpoint(m.value("url"))
        case .command:
            let command = m.string("command"), read = m.string("read_command"), timeout = m.duration("timeout")
            url = CommonChecks.endpoint(m.value("url"))
            if let command {
                settings = .command(RouterConfig.Command(command: command, readCommand: read, timeout: timeout ?? .seconds(60)))
            } else {
                m.context.report(m.value.mark, "a command router needs 'command' (with {weight} where the weight goes)")
            }
        case nil:
            break
        }
        m.finish(what: "'router' of type \(kind?.rawValue ?? "?")")
        return settings.map { RouterConfig($0, url: url) }
    }

    /// The `router:` keys of a kubernetes router; `nil` (reported) without `resource` and `name`.
    static func readKubernetesRouter(_ m: MappingReader) -> RouterConfig.Kubernetes? {
        let resource = m.oneOf("resource", RouterConfig.Kubernetes.Resource.allCases.map(\.rawValue)).flatMap(RouterConfig.Kubernetes.Resource.init(rawValue:))
        let namespace = m.string("namespace"), name = m.string("name")
        let baselineName = m.string("baseline_backend"), candidateName = m.string("candidate_backend")
        let context = m.string("context"), kubeconfig = m.string("kubeconfig")
        let routeIndex = m.int("route_index", in: 0...1_000), baselineIndex = m.int("baseline_index", in: 0...1_000)
        let candidateIndex = m.int("candidate_index", in: 0...1_000)
        let baselineSubset = m.string("baseline_subset"), candidateSubset = m.string("candidate_subset")
        let kubectl = m.string("kubectl"), timeout = m.duration("timeout")
        guard let resource, let name else {
            m.context.report(m.value.mark, "a kubernetes router needs 'resource' (httproute, virtualservice or inferenceservice) and 'name'")
            return nil
        }
        let defaults = RouterConfig.Kubernetes(resource: resource, name: name)
        return RouterConfig.Kubernetes(
            resource: resource, name: name, namespace: namespace, context: context, kubeconfig: kubeconfig,
            routeIndex: routeIndex ?? defaults.routeIndex,
            baseline: .init(name: baselineName ?? defaults.baseline.name, index: baselineIndex ?? defaults.baseline.index, subset: baselineSubset),
            candidate: .init(name: candidateName ?? defaults.candidate.name, index: candidateIndex ?? defaults.candidate.index, subset: candidateSubset),
            kubectl: kubectl ?? defaults.kubectl, timeout: timeout ?? defaults.timeout)
    }

    static func readAnalysis(_ m: MappingReader?) -> AnalysisConfig {
        let defaults = AnalysisConfig(judge: .tollgate, confidence: 0.95, alpha: 0.05, beta: 0.05, spending: .pocock,
                                      checkInterval: .seconds(30), passThreshold: 95, marginalThreshold: 75, seed: 1, metrics: [])
        guard let m else { return defaults }
        let judge = m.oneOf("judge", AnalysisConfig.Judge.allCases.map(\.rawValue)).flatMap(AnalysisConfig.Judge.init(rawValue:)) ?? .tollgate
        let confidence = m.double("confidence", min: 0.5, max: 0.9999) ?? 0.95
        let interval = m.duration("check_interval") ?? .seconds(30)
        let alpha = m.double("alpha", min: 0.0001, max: 0.4999) ?? (1 - confidence)
        let beta = m.double("beta", min: 0.0001, max: 0.4999) ?? 0.05
        var spending = AnalysisConfig.Spending.pocock
        if let v = m.value("spending"), let text = v.string() {
            if let parsed = AnalysisConfig.Spending(text: text) {
                spending = parsed
            } else {
                m.context.report(v.mark, "'analysis.spending' must be pocock, obrien-fleming or power(ρ) with ρ > 0, got '\(text)'\(DidYouMean.hint(for: text, among: ["pocock", "obrien-fleming"]))")
            }
        }
        var pass = 95.0, marginal = 75.0
        if let t = m.mapping("thresholds") {
            pass = t.double("pass", min: 0, max: 100) ?? pass
            marginal = t.double("marginal", min: 0, max: 100) ?? marginal
            if marginal > pass { t.context.report(t.value.mark, "'analysis.thresholds.marginal' (\(marginal.formatted())) must not exceed 'pass' (\(pass.formatted()))") }
            t.finish(what: "'analysis.thresholds'")
        }
        let seed = m.int("seed", in: 0...Int.max).map(UInt64.init) ?? 1
        var metrics: [MetricCriterionConfig] = []
        var custom: [CustomMetricConfig] = []
        for item in m.sequence("metrics") ?? [] {
            if case .mapping(let map) = item.node, map.keys.contains(where: { $0.string == "query" }) {
                if let metric = MetricsSourceReader.readCustomMetric(item) { custom.append(metric) }
            } else if let metric = readMetric(item) {
                metrics.append(metric)
            }
        }
        m.finish(what: "'analysis'")
        return AnalysisConfig(judge: judge, confidence: confidence, alpha: alpha, beta: beta, spending: spending,
                              checkInterval: interval, passThreshold: pass,
                              marginalThreshold: marginal, seed: seed, metrics: metrics, customMetrics: custom)
    }

    /// Metrics only the model server measures (`queue_ms`) are judged only at canary stages, from a
    /// `metrics_source` whose preset maps them: refused anywhere else, at the metric's name. A metric
    /// the preset reads from a histogram observed several times per request (SGLang's `itl_ms`, every
    /// gap) needs `model.max_output_tokens` to weight its observations to requests.
    static func checkSourceMetrics(_ root: MappingReader, source: MetricsSourceConfig?, sourceWritten: Bool, stages: [Stage]?,
                                   maxOutputTokens: Int?) {
        for item in root.mapping("analysis")?.sequence("metrics") ?? [] {
            guard let value = item.mapping()?.value("metric"), let text = value.string(),
                  let metric = MetricName(rawValue: text) else { continue }
            if let source, maxOutputTokens == nil, PrometheusPreset(source.prometheus).countsSeveralPerRequest(metric) {
                value.context.report(value.mark, "with preset \(source.prometheus.preset.rawValue), '\(text)' is read from a histogram that counts every inter-token gap, several per request; to weight the gaps to what they are worth in requests Tollgate needs the most tokens one request generates: set 'model.max_output_tokens'")
            }
            guard metric.needsMetricsSource else { continue }
            let what = "'\(text)' is the time requests wait in the model server's queue, which only the server measures (Tollgate's samples cannot tell it from the prefill)"
            if let source {
                if !PrometheusPreset(source.prometheus).maps(metric) {
                    value.context.report(value.mark, "\(what), and the metrics_source preset '\(source.prometheus.preset.rawValue)' does not map it; choose a preset that exports it or remove this metric")
                } else if let stages, !stages.contains(where: { if case .canary = $0.kind { return true } else { return false } }) {
                    value.context.report(value.mark, "\(what): it is judged only at canary stages, from the metrics_source, and this pipeline has none; add a canary stage or remove this metric")
                }
            } else if !sourceWritten {
                value.context.report(value.mark, "\(what): it needs a 'metrics_source' (prometheus, with preset vllm, sglang or tgi) to read it from; add one or remove this metric")
            }
        }
    }

    static func metricName(_ value: YAMLValue?) -> MetricName? {
        guard let value, let text = value.string() else { return nil }
        guard let metric = MetricName(rawValue: text) else {
            value.context.report(value.mark, "unknown metric '\(text)'; known metrics are \(MetricName.allCases.map(\.rawValue).joined(separator: ", "))\(DidYouMean.hint(for: text, among: MetricName.allCases.map(\.rawValue)))")
            return nil
        }
        return metric
    }

    static func readMetric(_ item: YAMLValue) -> MetricCriterionConfig? {
        guard let m = item.mapping() else { return nil }
        let metric = metricName(m.required("metric", in: "'\(item.path)'"))
        let worse = m.oneOf("worse", MetricCriterionConfig.Worse.allCases.map(\.rawValue)).flatMap(MetricCriterionConfig.Worse.init(rawValue:))
        let tolerance = m.tolerance("tolerance")
        let critical = m.bool("critical") ?? false
        let weight = m.double("weight", min: 0) ?? 1
        let quantile = m.oneOf("quantile", Quantile.allCases.map(\.rawValue)).flatMap(Quantile.init(rawValue:))
        let suite = CommonChecks.existingFile(m.value("suite"))
        let group = m.string("group")
        let dryRun = m.bool("dry_run") ?? false
        m.finish(what: "'\(item.path)'")
        if metric == .quality, suite == nil, !m.has("suite") {
            item.context.report(item.mark, "the 'quality' metric needs 'suite' (the eval suite that scores answers)")
        }
        guard let metric else { return nil }
        let defaultWorse: MetricCriterionConfig.Worse = metric == .quality ? .lower : .higher
        let defaultTolerance: Tolerance = metric.isRate ? .percentagePoints(1) : .relative(0.10)
        var judgedTolerance = tolerance ?? defaultTolerance
        if metric == .quality {
            // The suite owns how far quality may drop: one number, used by `tollgate eval` and by
            // every stage that judges the suite.
            if tolerance != nil {
                item.context.report(m.keyMark("tolerance") ?? item.mark, "a 'quality' metric is judged against its suite's 'max_drop'; remove 'tolerance' here and set 'max_drop' in the eval suite")
            }
            judgedTolerance = suite.flatMap { try? DocumentLoader.loadEvalSuite(at: $0).maxDrop } ?? EvalSuite.defaultMaxDrop
        }
        return MetricCriterionConfig(metric: metric, worse: worse ?? defaultWorse, tolerance: judgedTolerance,
                                     critical: critical, weight: weight, quantile: quantile, suite: suite, group: group, dryRun: dryRun)
    }

    // MARK: Rollback, release, reliability, security, checklist

    static func readRollback(_ m: MappingReader?, objectives: Objectives) -> RollbackPolicy {
        guard let m else { return RollbackPolicy(rules: [.analysis(onMarginal: false)]) }
        var rules: [RollbackRule] = []
        for item in m.sequence("on") ?? [] {
            guard let r = item.mapping() else { continue }
            guard r.keys.count == 1, let kind = r.keys.first else {
                item.context.report(item.mark, "each rollback rule has exactly one key (analysis, error_rate, objective, alert or drift), got \(r.keys.count)")
                continue
            }
            let value = r.value(kind)
            switch kind {
            case "analysis":
                if let v = value?.oneOf(["fail", "marginal"]) { rules.append(.analysis(onMarginal: v == "marginal")) }
            case "error_rate":
                if let e = value?.mapping() {
                    let above = e.required("above", in: "'\(item.path).error_rate'")?.double(min: 0, max: 1)
                    let consecutive = e.int("consecutive", in: 1...1000) ?? 1
                    e.finish(what: "'\(item.path).error_rate'")
                    if let above { rules.append(.errorRate(above: above, consecutive: consecutive)) }
                }
            case "objective":
                if let o = value?.mapping() {
                    let metricValue = o.required("metric", in: "'\(item.path).objective'")
                    let quantile = o.oneOf("quantile", Quantile.allCases.map(\.rawValue)).flatMap(Quantile.init(rawValue:)) ?? .p95
                    let consecutive = o.int("consecutive", in: 1...1000) ?? 1
                    o.finish(what: "'\(item.path).objective'")
                    if let metricValue, let text = metricValue.string() {
                        if let metric = LatencyMetric(rawValue: text) {
                            if objectives.latency[metric]?.all.contains(where: { $0.0 == quantile }) != true {
                                metricValue.context.report(metricValue.mark, "rollback rule names objective \(text).\(quantile), but 'objectives.\(text).\(quantile)' is not set")
                            } else {
                                rules.append(.objective(metric: metric, quantile: quantile, consecutive: consecutive))
                            }
                        } else {
                            metricValue.context.report(metricValue.mark, "unknown latency metric '\(text)' in a rollback objective; known: \(LatencyMetric.allCases.map(\.rawValue).joined(separator: ", "))\(DidYouMean.hint(for: text, among: LatencyMetric.allCases.map(\.rawValue)))")
                        }
                    }
                }
            case "alert":
                if let a = value?.mapping() {
                    var matchers: [AlertMatcher] = []
                    if let match = a.value("match"), let labels = match.mapping() {
                        for key in labels.keys {
                            if let v = labels.value(key)?.string() { matchers.append(AlertMatcher(label: key, op: .equal, value: v)) }
                        }
                    }
                    let written = a.sequence("matchers") ?? []
                    for m in written {
                        if let matcher = CommonChecks.matcher(m) { matchers.append(matcher) }
                    }
                    a.finish(what: "'\(item.path).alert'")
                    if matchers.isEmpty, written.isEmpty, !a.has("match") {
                        item.context.report(item.mark, "an alert rollback rule needs 'match' (labels) or 'matchers' (Alertmanager matchers)")
                    } else if !matchers.isEmpty {
                        rules.append(.alert(matchers: matchers))
                    }
                }
            case "drift":
                if let d = value?.mapping() {
                    let suite = CommonChecks.existingFile(d.required("suite", in: "'\(item.path).drift'"))
                    d.finish(what: "'\(item.path).drift'")
                    if let suite { rules.append(.drift(suite: suite)) }
                }
            default:
                let kinds = ["analysis", "error_rate", "objective", "alert", "drift"]
                item.context.report(r.keyMark(kind), "unknown rollback rule '\(kind)'; expected one of \(kinds.joined(separator: ", "))\(DidYouMean.hint(for: kind, among: kinds))")
            }
        }
        let onInterrupt = m.oneOf("on_interrupt", Stage.TimeoutAction.allCases.map(\.rawValue)).flatMap(Stage.TimeoutAction.init(rawValue:))
        m.finish(what: "'rollback'")
        return RollbackPolicy(rules: rules, onInterrupt: onInterrupt ?? .pause)
    }

    static let compatibilityChecks = ["json_fields", "tool_calls", "finish_reasons", "max_input_tokens"]

    static func readRelease(_ m: MappingReader?) -> ReleaseChecks {
        guard let m else { return ReleaseChecks(shadowSuites: [], driftSuites: [], compatibility: [:]) }
        let shadow = (m.sequence("shadow_suites") ?? []).compactMap { CommonChecks.existingFile($0) }
        let drift = (m.sequence("drift_suites") ?? []).compactMap { CommonChecks.existingFile($0) }
        var compatibility: [String: Bool] = [:]
        if let c = m.mapping("compatibility") {
            for key in compatibilityChecks { if let b = c.bool(key) { compatibility[key] = b } }
            c.finish(what: "'release.compatibility'")
        }
        _ = m.facts(["strategy", "notes"])
        m.finish(what: "'release'")
        return ReleaseChecks(shadowSuites: shadow, driftSuites: drift, compatibility: compatibility)
    }

    static func readReliability(_ m: MappingReader?) -> ReliabilityConfig {
        var config = ReliabilityConfig(retryAttempts: 1)
        guard let m else { return config }
        if let t = m.mapping("timeouts") {
            config.connectTimeout = t.duration("connect")
            config.firstTokenTimeout = t.duration("first_token")
            config.idleTimeout = t.duration("idle")
            config.totalTimeout = t.duration("total")
            t.finish(what: "'reliability.timeouts'")
        }
        if let r = m.mapping("retries") {
            config.retryAttempts = r.int("attempts", in: 1...20) ?? 1
            config.retryBackoff = r.duration("backoff")
            r.finish(what: "'reliability.retries'")
        }
        _ = m.facts(["warmup", "backpressure", "input_variability", "burst_test"])
        m.finish(what: "'reliability'")
        return config
    }

    static func readSecurity(_ m: MappingReader?) -> SecurityConfig {
        var config = SecurityConfig()
        guard let m else { return config }
        if let l = m.mapping("logging") {
            config.loggingMode = l.oneOf("mode", SecurityConfig.LoggingMode.allCases.map(\.rawValue)).flatMap(SecurityConfig.LoggingMode.init(rawValue:)) ?? .redacted
            config.retention = l.duration("retention")
            if l.bool("pii_redaction") == false, config.loggingMode == .redacted, let mark = l.keyMark("pii_redaction") {
                l.context.report(mark, "'security.logging.pii_redaction: false' contradicts 'mode: redacted'; use 'mode: full' to keep text unredacted")
            }
            config.maxStoredCharacters = l.int("max_text_chars", in: 1...100_000_000) ?? config.maxStoredCharacters
            config.redact = (l.sequence("redact") ?? []).compactMap(readRedactionPattern)
            l.finish(what: "'security.logging'")
        }
        _ = m.facts(["input_sanitization", "access_control", "key_management", "safety_constraints", "data_governance"])
        m.finish(what: "'security'")
        return config
    }

    /// One `security.logging.redact[]` item: `{name, pattern}`, the pattern a valid regular expression.
    static func readRedactionPattern(_ item: YAMLValue) -> RedactionPattern? {
        guard let m = item.mapping() else { return nil }
        let name = m.required("name", in: "'\(item.path)'")?.nonEmptyString()
        let patternValue = m.required("pattern", in: "'\(item.path)'")
        let pattern = patternValue?.nonEmptyString()
        m.finish(what: "'\(item.path)' (name, pattern)")
        guard let name, let pattern, let patternValue else { return nil }
        let candidate = RedactionPattern(name: name, pattern: pattern)
        do {
            _ = try Redactor(patterns: [candidate])
        } catch _ {
            patternValue.context.report(patternValue.mark, "'\(item.path).pattern' is not a valid regular expression: \(pattern)")
            return nil
        }
        return candidate
    }

    static func readChecklistRequirements(_ m: MappingReader?) -> [String] {
        guard let m else { return [] }
        var ids: [String] = []
        for item in m.sequence("required") ?? [] {
            guard let id = item.string() else { continue }
            if Checklist.item(id: id) == nil {
                item.context.report(item.mark, "unknown checklist item '\(id)'\(DidYouMean.hint(for: id, among: Checklist.sections.flatMap { $0.items.map(\.id) }))")
            } else {
                ids.append(id)
            }
        }
        m.finish(what: "'checklist'")
        return ids
    }

    /// Every key path of the document with its value as text (`model.baseline.version` → `2.3.1`),
    /// for the checklist report.
    static func flatten(_ node: Node, prefix: String, into facts: inout [String: String]) {
        switch node {
        case .mapping(let m):
            for (key, value) in m {
                guard let k = key.string else { continue }
                let path = prefix.isEmpty ? k : "\(prefix).\(k)"
                facts[path] = YAMLValue(node: value, path: path, context: LoadContext(file: "")).factText()
                flatten(value, prefix: path, into: &facts)
            }
        default:
            break
        }
    }
}
