/// A rollout pipeline (`kind: pipeline`): the model and its two versions, the objectives,
/// how traffic is produced and routed, how versions are compared, the stages, and the
/// rollback rules, plus the documented facts of every section of the GenAI deployment
/// checklist. Load one with ``PipelineLoader``.
public struct Pipeline: Sendable, Equatable, Codable {
    public var name: String
    public var description: String?
    public var model: ModelSection
    public var objectives: Objectives
    public var traffic: TrafficPlan
    public var router: RouterConfig
    public var analysis: AnalysisConfig
    public var stages: [Stage]
    public var rollback: RollbackPolicy
    public var release: ReleaseChecks
    public var reliability: ReliabilityConfig
    public var security: SecurityConfig
    /// Free-form facts of the documentation-only sections (`compute`, `autoscaling`,
    /// `observability`, and the parts of the others that drive no behaviour), by dotted key.
    public var facts: [String: String]
    /// Checklist item ids that `tollgate checklist --strict` requires.
    public var requiredChecklistItems: [String]
    /// Webhooks told about stage events (`notify:`).
    public var notify: [NotifyWebhook] = []
    /// Where canary stages read their metrics (`metrics_source:`); nil reads Tollgate's own samples.
    public var metricsSource: MetricsSourceConfig? = nil
    /// How `tollgate qualify` measures a version (`qualify:`).
    public var qualify = QualifyConfig()
}

/// Latency quantile targets for one operation, in milliseconds.
public struct QuantileTargets: Sendable, Equatable, Codable {
    public var p50: Double?
    public var p90: Double?
    public var p95: Double?
    public var p99: Double?
    public var mean: Double?

    public init(p50: Double? = nil, p90: Double? = nil, p95: Double? = nil, p99: Double? = nil, mean: Double? = nil) {
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.mean = mean
    }

    /// The targets as (quantile, value) pairs, in ascending order.
    public var all: [(Quantile, Double)] {
        [(Quantile.p50, p50), (.p90, p90), (.p95, p95), (.p99, p99), (.mean, mean)].compactMap { q, v in v.map { (q, $0) } }
    }
}

/// Performance objectives (checklist section 3): latency per operation, error budget, throughput.
public struct Objectives: Sendable, Equatable, Codable {
    /// Latency targets by metric (`ttft_ms`, `itl_ms`, `tpot_ms`, `e2e_ms`, `embedding_ms`).
    public var latency: [LatencyMetric: QuantileTargets]
    public var maxErrorRate: Double?
    public var minOutputTokensPerSecond: Double?
    public var minRequestsPerSecond: Double?
}

/// A latency measurement Tollgate computes per request.
public enum LatencyMetric: String, Sendable, Codable, CaseIterable, Hashable {
    /// Time to first token: prefill.
    case ttftMs = "ttft_ms"
    /// Inter-token latency: decode, gap between content chunks.
    case itlMs = "itl_ms"
    /// Time per output token after the first.
    case tpotMs = "tpot_ms"
    /// End to end.
    case e2eMs = "e2e_ms"
    /// An embeddings call (end to end).
    case embeddingMs = "embedding_ms"
}

/// Metrics the analysis and the rollback rules may name.
public enum MetricName: String, Sendable, Codable, CaseIterable, Hashable {
    case ttftMs = "ttft_ms"
    case itlMs = "itl_ms"
    case tpotMs = "tpot_ms"
    case e2eMs = "e2e_ms"
    /// The time a request waited in the model server's queue before it was scheduled. Only the
    /// server measures it: it is judged from a `metrics_source` (``needsMetricsSource``).
    case queueMs = "queue_ms"
    case embeddingMs = "embedding_ms"
    case outputTokens = "output_tokens"
    case errorRate = "error_rate"
    case timeoutRate = "timeout_rate"
    case refusalRate = "refusal_rate"
    case quality

    /// Whether the metric is a proportion of requests (compared as a difference of rates).
    public var isRate: Bool { [.errorRate, .timeoutRate, .refusalRate].contains(self) }
}

/// How traffic is produced for shadow and canary stages.
public struct TrafficPlan: Sendable, Equatable, Codable {
    /// Recorded traffic (JSON Lines), resolved to an absolute path.
    public var source: String?
    public var concurrency: Int
    /// Open-loop arrival rate (requests per second); closed loop when nil.
    public var rate: Double?
    /// Per-request total timeout.
    public var timeout: Duration
    /// `replay` sends recorded traffic to each version directly; `router` sends it through
    /// the router so the canary split is real; `live` waits for user traffic via the gateway.
    public var via: TrafficVia
    /// Applied to every request (temperature, seed, max_tokens).
    public var overrides: [String: JSONValue]
    public var warmupRequests: Int
}

public enum TrafficVia: String, Sendable, Codable, CaseIterable {
    case replay, router, live
}

/// The router that moves user traffic between versions: one case per router type with its
/// typed settings (``Settings``), and `router.url`, which every type takes.
public struct RouterConfig: Sendable, Equatable, Codable {
    /// The router types, as `router.type` names them.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case gateway, haproxy, kubernetes, command
    }

    /// The settings of one router type.
    public enum Settings: Sendable, Equatable, Codable {
        case gateway(Gateway)
        case haproxy(HAProxy)
        case kubernetes(Kubernetes)
        case command(Command)
    }

    /// Tollgate's own gateway, driven through its admin API.
    public struct Gateway: Sendable, Equatable, Codable {
        /// The gateway's base URL (`router.admin`).
        public var admin: String
        /// The variable holding the admin token (`router.token_env`); `nil`: no token is sent.
        public var tokenEnv: String?
        /// The gateway run whose samples a `traffic.via: live` rollout judges (`router.gateway_run`).
        public var gatewayRun: String?

        public init(admin: String = RouterConfig.defaultGatewayAdmin, tokenEnv: String? = nil, gatewayRun: String? = nil) {
            self.admin = admin
            self.tokenEnv = tokenEnv
            self.gatewayRun = gatewayRun
        }
    }

    /// An HAProxy backend whose two servers' weights are set over the admin socket.
    public struct HAProxy: Sendable, Equatable, Codable {
        /// The admin socket's path (`stats socket … level admin`).
        public var socket: String
        public var backend: String
        public var baselineServer: String
        public var candidateServer: String

        public init(socket: String, backend: String = "models", baselineServer: String = "baseline", candidateServer: String = "candidate") {
            self.socket = socket
            self.backend = backend
            self.baselineServer = baselineServer
            self.candidateServer = candidateServer
        }
    }

    /// A Kubernetes object whose traffic split is patched with `kubectl`.
    public struct Kubernetes: Sendable, Equatable, Codable {
        /// The object's type, as `router.resource` names it.
        public enum Resource: String, Sendable, Codable, CaseIterable {
            case httproute, virtualservice, inferenceservice
        }

        /// One arm's entry in the object's list of weighted backends.
        public struct Backend: Sendable, Equatable, Codable {
            /// The HTTPRoute backendRef's name, or the VirtualService destination's host.
            public var name: String
            /// The entry's position in the list.
            public var index: Int
            /// The VirtualService destination's subset.
            public var subset: String?

            public init(name: String, index: Int, subset: String? = nil) {
                self.name = name
                self.index = index
                self.subset = subset
            }
        }

        public var resource: Resource
        public var name: String
        /// `nil`: kubectl's current namespace.
        public var namespace: String?
        /// `nil`: kubectl's current context.
        public var context: String?
        /// `nil`: kubectl's default kubeconfig.
        public var kubeconfig: String?
        /// The index of the HTTPRoute rule or VirtualService http route holding the split (`router.route_index`).
        public var routeIndex: Int
        public var baseline: Backend
        public var candidate: Backend
        /// The kubectl executable: a path, or a name looked up on `PATH`.
        public var kubectl: String
        /// Time limit of each kubectl run.
        public var timeout: Duration

        public init(resource: Resource, name: String, namespace: String? = nil, context: String? = nil, kubeconfig: String? = nil,
                    routeIndex: Int = 0, baseline: Backend = Backend(name: "baseline", index: 0),
                    candidate: Backend = Backend(name: "candidate", index: 1), kubectl: String = "kubectl", timeout: Duration = .seconds(60)) {
            self.resource = resource
            self.name = name
            self.namespace = namespace
            self.context = context
            self.kubeconfig = kubeconfig
            self.routeIndex = routeIndex
            self.baseline = baseline
            self.candidate = candidate
            self.kubectl = kubectl
            self.timeout = timeout
        }
    }

    /// A shell command that sets the weight, and optionally one that reads it back.
    public struct Command: Sendable, Equatable, Codable {
        /// With `{weight}` and/or `{baseline_weight}` where the weights go.
        public var command: String
        /// Prints the candidate's current percent.
        public var readCommand: String?
        public var timeout: Duration

        public init(command: String, readCommand: String? = nil, timeout: Duration = .seconds(60)) {
            self.command = command
            self.readCommand = readCommand
            self.timeout = timeout
        }
    }

    public var settings: Settings
    /// The OpenAI base URL clients use through the router (`router.url`, for `traffic.via: router`).
    public var url: String?

    public init(_ settings: Settings, url: String? = nil) {
        self.settings = settings
        self.url = url
    }

    /// The router's type.
    public var kind: Kind {
        switch settings {
        case .gateway: return .gateway
        case .haproxy: return .haproxy
        case .kubernetes: return .kubernetes
        case .command: return .command
        }
    }

    /// The gateway's settings when the router is Tollgate's gateway.
    public var gateway: Gateway? {
        if case .gateway(let g) = settings { return g }
        return nil
    }

    /// The base URL clients use through the router: `url`, else the gateway's admin URL + `/v1`.
    public var clientURL: String? {
        if let url { return url }
        guard let admin = gateway?.admin else { return nil }
        return admin.hasSuffix("/") ? admin + "v1" : admin + "/v1"
    }

    /// `router.admin` of a gateway router that names none: the address `tollgate gateway`
    /// listens on by default.
    public static let defaultGatewayAdmin = "http://127.0.0.1:9100"
}

/// How the two versions are compared.
public struct AnalysisConfig: Sendable, Equatable, Codable {
    /// `tollgate` (fixed-horizon intervals for shadow, the group-sequential judge for canaries),
    /// `always-valid` (confidence sequences for canaries), or `kayenta`.
    public enum Judge: String, Sendable, Codable, CaseIterable {
        case tollgate, kayenta
        case alwaysValid = "always-valid"
    }
    /// How a canary's group-sequential test spends its errors over the information fraction
    /// (`analysis.spending`): `pocock` (default; decides early), `obrien-fleming` (spends
    /// almost nothing early) or `power(ρ)` (α·t^ρ).
    public enum Spending: Sendable, Equatable, Codable, CustomStringConvertible {
        case pocock, obrienFleming
        case power(Double)

        /// Parses `pocock`, `obrien-fleming` and `power(ρ)` with ρ > 0; nil otherwise.
        public init?(text: String) {
            let t = String(text.lowercased().filter { $0 != " " })
            switch t {
            case "pocock": self = .pocock
            case "obrien-fleming": self = .obrienFleming
            default:
                guard t.hasPrefix("power("), t.hasSuffix(")"),
                      let rho = Double(t.dropFirst(6).dropLast()), rho > 0, rho.isFinite else { return nil }
                self = .power(rho)
            }
        }

        public var description: String {
            switch self {
            case .pocock: return "pocock"
            case .obrienFleming: return "obrien-fleming"
            case .power(let rho): return "power(\(rho == rho.rounded() && abs(rho) < 1e9 ? String(Int(rho)) : String(rho)))"
            }
        }
    }
    public var judge: Judge
    public var confidence: Double
    /// Canary stages: the error rate of a rollback (a candidate no worse than the baseline rolled
    /// back), default 1 − confidence.
    public var alpha: Double
    /// Canary stages: the error rate of a promotion (a candidate worse by the tolerance promoted), default 0.05.
    public var beta: Double
    public var spending: Spending
    public var checkInterval: Duration
    /// Score (0–100) at or above which a verdict promotes.
    public var passThreshold: Double
    /// Score at or above which a verdict holds rather than rolls back.
    public var marginalThreshold: Double
    public var seed: UInt64
    public var metrics: [MetricCriterionConfig]
    /// Metrics written as queries on the `metrics_source` (`analysis.metrics[]` items with `query`).
    public var customMetrics: [CustomMetricConfig] = []
}

/// One metric the judge compares (`analysis.metrics[]`).
public struct MetricCriterionConfig: Sendable, Equatable, Codable {
    public enum Worse: String, Sendable, Codable, CaseIterable { case higher, lower }
    public var metric: MetricName
    public var worse: Worse
    public var tolerance: Tolerance
    public var critical: Bool
    public var weight: Double
    /// `p50`, `p95`, `p99` or `mean` to compare a quantile; nil compares the location (Hodges–Lehmann).
    public var quantile: Quantile?
    /// For `quality`: the eval suite's path (resolved).
    public var suite: String?
    public var group: String?
    /// `dry_run: true`: measured, journaled and shown, but never part of a decision.
    public var dryRun: Bool = false
}

/// One step of a rollout.
public struct Stage: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable {
        case shadow(requests: Int?, duration: Duration?, suites: [String])
        /// `maxSamples`: the planned samples per arm (the horizon of the group-sequential test).
        case canary(weight: Int, minSamples: Int, maxSamples: Int, maxDuration: Duration, checkInterval: Duration?, onTimeout: TimeoutAction)
        case approval(note: String?)
        case pause(duration: Duration)
        case full
    }
    public enum TimeoutAction: String, Sendable, Codable, CaseIterable { case rollback, pause }

    public var name: String
    public var kind: Kind

    /// The candidate's traffic share while the stage runs (0 for shadow, 100 for full).
    public var weight: Int? {
        switch kind {
        case .shadow: return 0
        case .canary(let w, _, _, _, _, _): return w
        case .full: return 100
        case .approval, .pause: return nil
        }
    }

    /// `shadow`, `canary`, `approval`, `pause` or `full`.
    public var kindName: String {
        switch kind {
        case .shadow: return "shadow"
        case .canary: return "canary"
        case .approval: return "approval"
        case .pause: return "pause"
        case .full: return "full"
        }
    }
}

/// When a run is rolled back, besides an operator's `rollback`.
public struct RollbackPolicy: Sendable, Equatable, Codable {
    public var rules: [RollbackRule]
    /// What a driving process does when it is interrupted (SIGINT, SIGTERM) before the run ends
    /// (`rollback.on_interrupt`): `pause` (the default: the weight stays, nobody judges until
    /// `rollout resume`) or `rollback` (the candidate's weight goes to 0 and the run ends).
    public var onInterrupt: Stage.TimeoutAction = .pause
}

/// One automatic rollback trigger from `rollback.on`.
public enum RollbackRule: Sendable, Equatable, Codable {
    /// The judge's verdict was `rollback` (`analysis: fail`), or also `hold` (`analysis: marginal`).
    case analysis(onMarginal: Bool)
    /// The candidate's error rate exceeded `above` (a proportion) at a check.
    case errorRate(above: Double, consecutive: Int)
    /// An objective (`objectives.<metric>.<quantile>`) was breached at `consecutive` checks in a row.
    case objective(metric: LatencyMetric, quantile: Quantile, consecutive: Int)
    /// A firing alert whose labels satisfy every matcher.
    case alert(matchers: [AlertMatcher])
    /// A drift suite found drift.
    case drift(suite: String)
}

/// An Alertmanager-style label matcher: `name=value`, `name!=value`, `name=~regex`, `name!~regex`.
public struct AlertMatcher: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public enum Operator: String, Sendable, Codable, CaseIterable {
        case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
    }
    public var label: String
    public var op: Operator
    public var value: String

    public init(label: String, op: Operator, value: String) {
        self.label = label
        self.op = op
        self.value = value
    }

    public var description: String { "\(label)\(op.rawValue)\"\(value)\"" }
}

/// Release checks (checklist section 4) beyond the stages: eval suites for shadow, drift
/// suites for after release, and compatibility checks across versions.
public struct ReleaseChecks: Sendable, Equatable, Codable {
    public var shadowSuites: [String]
    public var driftSuites: [String]
    public var compatibility: [String: Bool]
}

/// Reliability settings (checklist section 7) that drive the traffic client.
public struct ReliabilityConfig: Sendable, Equatable, Codable {
    public var connectTimeout: Duration?
    public var firstTokenTimeout: Duration?
    public var idleTimeout: Duration?
    public var totalTimeout: Duration?
    public var retryAttempts: Int
    public var retryBackoff: Duration?
}

/// Security settings (checklist section 8) that drive behaviour: what is logged and kept.
public struct SecurityConfig: Sendable, Equatable, Codable {
    public enum LoggingMode: String, Sendable, Codable, CaseIterable {
        /// Keep response text as received (cut to ``SecurityConfig/maxStoredCharacters``).
        case full
        /// Keep response text with personal data and secrets replaced by typed placeholders
        /// (``Redactor``): the default.
        case redacted
        /// Keep no prompt or answer text at all, only measurements.
        case none
    }
    /// Stored texts are cut to this many characters unless `security.logging.max_text_chars` says otherwise.
    public static let defaultMaxStoredCharacters = 16_384

    public var loggingMode: LoggingMode
    /// How long the run's samples and texts are kept (`tollgate prune`); nil keeps them until pruned by hand.
    public var retention: Duration?
    /// The user's own patterns (`security.logging.redact`), applied after the built-in detectors.
    public var redact: [RedactionPattern]
    public var maxStoredCharacters: Int

    public init(loggingMode: LoggingMode = .redacted, retention: Duration? = nil, redact: [RedactionPattern] = [],
                maxStoredCharacters: Int = SecurityConfig.defaultMaxStoredCharacters) {
        self.loggingMode = loggingMode
        self.retention = retention
        self.redact = redact
        self.maxStoredCharacters = maxStoredCharacters
    }
}
