/// Which wire protocol a model speaks.
public enum ModelAPI: String, Sendable, Codable, CaseIterable {
    /// `POST /v1/chat/completions`.
    case chat = "openai-chat"
    /// `POST /v1/completions`.
    case completions = "openai-completions"
    /// `POST /v1/embeddings`.
    case embeddings = "openai-embeddings"
}

/// One deployed version of a model: identity (checklist section 1) and how to reach it.
public struct ModelVersion: Sendable, Equatable, Codable {
    public var version: String
    public var revision: String?
    /// Fine-tune lineage or variant ("fine-tune of 2.3.1 on support tickets").
    public var lineage: String?
    /// Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8001/v1`.
    public var endpoint: String
    /// The `model` id sent in requests; defaults to the pipeline's model name.
    public var modelID: String?
    /// Name of the environment variable holding the API key (never the key itself).
    public var apiKeyEnv: String?
    /// Extra headers sent with every request (no secrets: use `api_key_env`).
    public var headers: [String: String]
    /// A shell command that starts this version's server in the foreground; `tollgate qualify`
    /// runs it, measures the cold start, and stops it by PID.
    public var startCommand: String?
    /// A shell command that restarts an externally managed server (`kubectl rollout restart …`);
    /// `tollgate qualify` runs it and times the way back to the first successful inference.
    public var restartCommand: String?

    public init(version: String, revision: String? = nil, lineage: String? = nil, endpoint: String,
                modelID: String? = nil, apiKeyEnv: String? = nil, headers: [String: String] = [:],
                startCommand: String? = nil, restartCommand: String? = nil) {
        self.startCommand = startCommand
        self.restartCommand = restartCommand
        self.version = version
        self.revision = revision
        self.lineage = lineage
        self.endpoint = endpoint
        self.modelID = modelID
        self.apiKeyEnv = apiKeyEnv
        self.headers = headers
    }
}

/// The model being released: identity facts shared by both versions, and the two versions.
public struct ModelSection: Sendable, Equatable, Codable {
    public var name: String
    public var api: ModelAPI
    public var modalities: [String]
    public var maxInputTokens: Int?
    public var maxOutputTokens: Int?
    public var gpuTypesTested: [String]
    public var precisionsTested: [String]
    public var baseline: ModelVersion
    public var candidate: ModelVersion
}
