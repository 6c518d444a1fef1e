/// An eval suite (`kind: evalsuite`): cases in a JSON Lines file beside it, scorers that turn
/// an answer into pass/fail and a score, and the margin by which the candidate may do worse.
public struct EvalSuite: Sendable, Equatable, Codable {
    public var name: String
    public var description: String?
    public var api: ModelAPI
    /// The cases file (JSON Lines), resolved to an absolute path.
    public var cases: String
    public var scorers: [ScorerConfig]
    /// Weighted score (0–1) at or above which a case passes.
    public var passThreshold: Double
    /// Non-inferiority margin: how much lower the candidate's pass rate may be (`2pp`). Pipelines
    /// judge a suite's `quality` metric against it too.
    public var maxDrop: Tolerance
    /// `max_drop` when a suite does not set it.
    public static let defaultMaxDrop = Tolerance.percentagePoints(2)
    public var repeats: Int
    /// Merged into every request (temperature, max_tokens, seed…).
    public var requestDefaults: [String: JSONValue]
}

/// The scorers an eval suite can use.
public enum ScorerKind: String, Sendable, Codable, CaseIterable {
    case equals, contains, notContains = "not_contains", regex, jsonValid = "json_valid", jsonSchema = "json_schema"
    case numeric, length, refusal, similarity, judge, latency, cost

    /// The options each scorer accepts (besides `type`, `weight` and `name`).
    public var optionKeys: [String] {
        switch self {
        case .equals: return ["expected", "ignore_case", "trim"]
        case .contains, .notContains: return ["values", "mode", "ignore_case"]
        case .regex: return ["pattern", "must_match"]
        case .jsonValid: return []
        case .jsonSchema: return ["schema"]
        case .numeric: return ["expected", "tolerance", "relative"]
        case .length: return ["min", "max", "unit"]
        case .refusal: return ["phrases", "expect"]
        case .similarity: return ["endpoint", "model", "api_key_env", "against", "min"]
        case .judge: return ["endpoint", "model", "api_key_env", "rubric", "mode", "min_score", "scale"]
        case .latency: return ["max_ms", "metric"]
        case .cost: return ["max_usd", "per_1k_input_usd", "per_1k_output_usd"]
        }
    }
}

/// One scorer of an eval suite, with its options kept as values for the eval module to interpret.
public struct ScorerConfig: Sendable, Equatable, Codable {
    public var kind: ScorerKind
    public var name: String
    public var weight: Double
    public var options: [String: JSONValue]
}

/// A drift suite (`kind: driftsuite`): the live version measured now against a reference,
/// feature by feature, with one verdict; runnable from cron or on a schedule in `tollgate serve`.
public struct DriftSuite: Sendable, Equatable, Codable {
    public var name: String
    public var description: String?
    public var api: ModelAPI
    /// The live version to measure.
    public var target: ModelVersion
    public var reference: DriftReference
    public var current: DriftWindow
    public var features: [DriftFeature]
    /// Family-wise (Holm) or false-discovery (Benjamini–Hochberg) level.
    public var alpha: Double
    public var correction: Correction
    /// Smallest effect that counts as drift, per feature (a shift smaller than this is not flagged
    /// however small the p-value): relative for numbers, percentage points for rates.
    public var minEffect: [DriftFeature: Tolerance]
    /// PSI at or above which a feature counts as drifted.
    public var psiThreshold: Double
    public var schedule: CronSchedule?
    public var notifyWebhook: String?
    public var notifyTokenEnv: String?
    /// Roll back the active run of this pipeline (by name) when drift is found.
    public var rollbackPipeline: String?

    public enum Correction: String, Sendable, Codable, CaseIterable { case holm, bh }

    public init(name: String, description: String?, api: ModelAPI, target: ModelVersion, reference: DriftReference,
                current: DriftWindow, features: [DriftFeature], alpha: Double, correction: Correction,
                minEffect: [DriftFeature: Tolerance], psiThreshold: Double, schedule: CronSchedule?,
                notifyWebhook: String?, notifyTokenEnv: String?, rollbackPipeline: String?) {
        self.name = name
        self.description = description
        self.api = api
        self.target = target
        self.reference = reference
        self.current = current
        self.features = features
        self.alpha = alpha
        self.correction = correction
        self.minEffect = minEffect
        self.psiThreshold = psiThreshold
        self.schedule = schedule
        self.notifyWebhook = notifyWebhook
        self.notifyTokenEnv = notifyTokenEnv
        self.rollbackPipeline = rollbackPipeline
    }
}

/// What a drift suite compares against.
public enum DriftReference: Sendable, Equatable, Codable {
    /// A stored run's samples.
    case run(id: String)
    /// The samples of the last run of this pipeline (by name) that was promoted.
    case lastPromoted(pipeline: String)
    /// Samples exported to a JSON Lines file (resolved path).
    case file(path: String)
}

/// Where a drift suite's current measurements come from.
public enum DriftWindow: Sendable, Equatable, Codable {
    /// Replay the suite's traffic against the target now.
    case replay(traffic: String, requests: Int, concurrency: Int)
    /// The samples the gateway recorded in the last `window`.
    case recent(window: Duration)
}

/// A per-request feature a drift suite compares.
public enum DriftFeature: String, Sendable, Codable, CaseIterable, Hashable {
    case ttftMs = "ttft_ms", itlMs = "itl_ms", e2eMs = "e2e_ms", outputTokens = "output_tokens"
    case finishReason = "finish_reason", errorClass = "error_class", refusalRate = "refusal_rate"
    case jsonValidity = "json_validity", embeddings

    /// Whether the feature is a category (compared with chi-square) rather than a number.
    public var isCategorical: Bool { [.finishReason, .errorClass, .refusalRate, .jsonValidity].contains(self) }
}
