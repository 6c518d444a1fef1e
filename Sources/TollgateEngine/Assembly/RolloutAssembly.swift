public import AsyncHTTPClient
public import Foundation
public import TollgateCore
public import TollgateStore
public import TollgateTraffic

/// Builds what a rollout needs from its pipeline: the router of `router:`, the model clients of
/// `model:` (timeouts and retries from `reliability:`), the replayed traffic of `traffic:` and the
/// judge of `analysis:`. Owns one HTTP client for the process; call ``shutdown()`` at the end.
public final class RolloutAssembly: Sendable {
    public let pipeline: Pipeline
    public let store: RunStore
    public let httpClient: HTTPClient
    public let router: any TrafficRouter
    let environment: [String: String]

    /// Why a pipeline cannot be assembled into a working rollout.
    public enum AssemblyError: Error, CustomStringConvertible {
        case missingSetting(String)
        case missingSecret(variable: String, purpose: String)
        case unsupported(String)
        /// The router did not answer before the run was created (the world failed, not the file).
        case routerUnavailable(router: String, reason: String)

        public var description: String {
            switch self {
            case .routerUnavailable(let router, let reason):
                return "The router (\(router)) did not answer, so no run was created: \(reason)"
            case .missingSetting(let message): return message
            case .missingSecret(let variable, let purpose):
                return "The environment variable \(variable) (\(purpose)) is not set; export it before starting the rollout."
            case .unsupported(let message): return message
            }
        }
    }

    /// - Parameter router: a router to use instead of the pipeline's (the demo's in-process gateway).
    public init(pipeline: Pipeline, store: RunStore, router: (any TrafficRouter)? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.pipeline = pipeline
        self.store = store
        self.environment = environment
        let client = ModelClient.makeHTTPClient(concurrency: max(8, pipeline.traffic.concurrency * 2),
                                                connectTimeout: pipeline.reliability.connectTimeout ?? .seconds(10))
        httpClient = client
        do {
            do {
                self.router = try router ?? pipeline.router.makeRouter(client: client, environment: environment)
            } catch RouterError.missingToken(let variable) {
                throw AssemblyError.missingSecret(variable: variable, purpose: "the gateway's admin token")
            }
            if pipeline.traffic.via != .live, pipeline.traffic.source == nil {
                throw AssemblyError.missingSetting("The pipeline has no traffic.source to replay.")
            }
            if pipeline.traffic.via == .router, pipeline.router.clientURL == nil {
                throw AssemblyError.missingSetting("traffic.via: router needs router.url, the OpenAI base URL clients use through the router (for the gateway, its admin URL is used when url is not set).")
            }
            if pipeline.traffic.via == .live, pipeline.router.kind != .gateway, pipeline.metricsSource == nil {
                throw AssemblyError.unsupported("traffic.via: live judges the samples Tollgate's gateway records; router.type must be gateway (or name a metrics_source).")
            }
        } catch {
            try? client.syncShutdown()
            throw error
        }
    }

    /// A client for one version, with the pipeline's timeouts and retries; its API key comes from
    /// `environment`, by default the one this assembly was made with.
    public func client(for version: ModelVersion, environment: [String: String]? = nil) throws -> ModelClient {
        do {
            return client(for: try ModelEndpoint(version: version, api: pipeline.model.api, modelName: pipeline.model.name,
                                                 environment: environment ?? self.environment))
        } catch {
            guard case .missingAPIKey(let variable) = error else { throw error }
            throw AssemblyError.missingSecret(variable: variable, purpose: "the API key of version \(version.version)")
        }
    }

    /// A client for one version with no API key (no `Authorization` header).
    func keylessClient(for version: ModelVersion) -> ModelClient {
        client(for: ModelEndpoint(version: version, api: pipeline.model.api, modelName: pipeline.model.name, apiKey: nil))
    }

    /// A client for one endpoint, with the pipeline's timeouts and retries.
    func client(for endpoint: ModelEndpoint) -> ModelClient {
        let r = pipeline.reliability
        let total = r.totalTimeout ?? pipeline.traffic.timeout
        let timeouts = ClientTimeouts(connect: r.connectTimeout ?? .seconds(10), firstToken: r.firstTokenTimeout ?? total,
                                      idle: r.idleTimeout ?? total, total: total)
        let retry = RetryPolicy(maxAttempts: r.retryAttempts, baseDelay: r.retryBackoff ?? .milliseconds(500))
        return ModelClient(httpClient: httpClient, endpoint: endpoint,
                           timeouts: timeouts, retry: retry, keepResponseText: pipeline.security.loggingMode != .none)
    }

    /// The engine's dependencies for this pipeline.
    public func dependencies(clock: any EngineClock = SystemEngineClock(), onProgress: (@Sendable (RunProgress) -> Void)?) throws -> RolloutDependencies {
        let paired = ReplayStageTraffic(pipeline: pipeline, store: store, baseline: try client(for: pipeline.model.baseline),
                                        candidate: try client(for: pipeline.model.candidate), trafficPath: pipeline.traffic.source ?? "")
        let traffic: any StageTrafficSource
        switch pipeline.traffic.via {
        case .replay:
            traffic = paired
        case .router:
            let version = ModelVersion(version: "router", endpoint: pipeline.router.clientURL ?? "")
            traffic = RoutedStageTraffic(paired: paired, router: try client(for: version))
        case .live:
            traffic = LiveGatewayTraffic(paired: pipeline.traffic.source == nil ? nil : paired, store: store, clock: clock,
                                         gatewayRunID: pipeline.router.gateway?.gatewayRun, text: StoredTextPolicy(security: pipeline.security),
                                         copiesGatewaySamples: pipeline.metricsSource == nil || pipeline.router.kind == .gateway)
        }
        let suites = pipeline.analysis.metrics.contains { $0.metric == .quality }
            || pipeline.stages.contains { if case .shadow(_, _, let s) = $0.kind { return !s.isEmpty }; return false }
        let quality = suites ? EvalQualityEvaluator(pipeline: pipeline, store: store, httpClient: httpClient, environment: environment) : nil
        return RolloutDependencies(router: router, traffic: traffic, judge: PipelineJudge(analysis: pipeline.analysis),
                                   quality: quality, clock: clock, onProgress: onProgress,
                                   notifier: pipeline.notify.isEmpty ? nil : RunNotifier(webhooks: pipeline.notify, store: store, httpClient: httpClient,
                                                                                         environment: environment),
                                   metricSource: try metricSource())
    }

    /// The pipeline's `metrics_source` as a metric source (nil when it names none), its token read from the environment.
    func metricSource() throws -> (any MetricSource)? {
        guard let config = pipeline.metricsSource?.prometheus else { return nil }
        let token = try PrometheusClient.token(variable: config.tokenEnv, environment: environment)
        return PrometheusMetricSource(client: PrometheusClient(url: config.url, token: token, timeout: config.timeout, client: httpClient),
                                      config: config, versions: (pipeline.model.baseline.version, pipeline.model.candidate.version),
                                      maxTokensPerRequest: pipeline.model.maxOutputTokens)
    }

    /// Checks what a run of this pipeline needs before the run is created, so that a start that
    /// cannot work fails with nothing recorded: every API key and token the clients need, the
    /// traffic file, and that the router answers (it reads the current weight back).
    /// Throws ``AssemblyError``: `routerUnavailable` when the router failed, the others for input.
    public func preflight() async throws {
        _ = try dependencies(onProgress: nil)
        if let source = pipeline.traffic.source {
            let census: TrafficCensus
            do { census = try TrafficReader.census(path: source) } catch {
                throw AssemblyError.missingSetting("traffic.source: \(error)")
            }
            if let problem = census.problem { throw AssemblyError.missingSetting("\(source): \(problem).") }
        }
        do { _ = try await router.currentWeight() } catch {
            throw AssemblyError.routerUnavailable(router: router.summary, reason: "\(error)")
        }
    }

    /// The dependencies of an engine that only applies operator commands (the emergency rollback
    /// or abort of a run nobody drives): the router of the pipeline, and model clients made
    /// without API keys, because such an engine never sends traffic (``RolloutEngine/applyPendingCommands()``).
    public func routerOnlyDependencies() -> RolloutDependencies {
        let traffic = ReplayStageTraffic(pipeline: pipeline, store: store, baseline: keylessClient(for: pipeline.model.baseline),
                                         candidate: keylessClient(for: pipeline.model.candidate), trafficPath: pipeline.traffic.source ?? "")
        return RolloutDependencies(router: router, traffic: traffic, judge: PipelineJudge(analysis: pipeline.analysis))
    }

    /// Shuts the HTTP client down.
    public func shutdown() {
        try? httpClient.syncShutdown()
    }
}

extension RolloutAssembly.AssemblyError: ClassifiedError {
    /// A missing setting or secret, or an unsupported combination, is the pipeline's; a router that
    /// did not answer is the world's.
    public var kind: FailureKind {
        switch self {
        case .missingSetting, .missingSecret, .unsupported: return .badInput
        case .routerUnavailable: return .operational
        }
    }
}
