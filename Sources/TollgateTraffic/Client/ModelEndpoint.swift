public import Foundation
public import TollgateCore

extension ModelAPI {
    /// The path appended to a base URL ending in `/v1`.
    var path: String {
        switch self {
        case .chat: return "/chat/completions"
        case .completions: return "/completions"
        case .embeddings: return "/embeddings"
        }
    }
}

/// Where and how to reach one model version: base URL, API, model id, extra headers and API key.
public struct ModelEndpoint: Sendable, Equatable {
    /// `http(s)://host:port/v1` (the API path is appended), or the full URL of the API path.
    public var url: String
    public var api: ModelAPI
    /// The `model` field written into every request; `nil` keeps the one in the request.
    public var model: String?
    /// Extra request headers.
    public var headers: [String: String]
    /// Sent as `Authorization: Bearer …`; read it with ``apiKey(fromEnvironment:)``, never from a file.
    public var apiKey: String?

    public init(url: String, api: ModelAPI = .chat, model: String? = nil,
                headers: [String: String] = [:], apiKey: String? = nil) {
        self.url = url
        self.api = api
        self.model = model
        self.headers = headers
        self.apiKey = apiKey
    }

    /// The endpoint of a pipeline's model version: its URL, `model` id (the version's, else
    /// `modelName`), headers, and the API key read from `environment` under its `api_key_env`.
    /// This is the one place a model version becomes an endpoint; a missing key throws
    /// ``TrafficError/missingAPIKey(variable:)``, which is bad input (the user must export it).
    public init(version: ModelVersion, api: ModelAPI, modelName: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(TrafficError) {
        self.init(version: version, api: api, modelName: modelName,
                  apiKey: try version.apiKeyEnv.map { name throws(TrafficError) in try Self.apiKey(fromEnvironment: name, environment: environment) })
    }

    /// The endpoint of a pipeline's model version with the given API key (`nil`: no `Authorization`
    /// header, for clients that never send traffic).
    public init(version: ModelVersion, api: ModelAPI, modelName: String? = nil, apiKey: String?) {
        self.init(url: version.endpoint, api: api, model: version.modelID ?? modelName, headers: version.headers, apiKey: apiKey)
    }

    /// The URL requests are posted to: `url` itself when it already ends in the API path,
    /// `url` + `/v1` + path when it has no path, else `url` + path.
    public var requestURL: String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix(api.path) { return base }
        if let components = URLComponents(string: base), components.path.isEmpty || components.path == "/" {
            return base + "/v1" + api.path
        }
        return base + api.path
    }

    /// Reads an API key from the environment variable `name` (of `environment`, by default the process's);
    /// an unset or empty variable throws ``TrafficError/missingAPIKey(variable:)``.
    public static func apiKey(fromEnvironment name: String,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws(TrafficError) -> String {
        guard let value = environment[name], !value.isEmpty else {
            throw .missingAPIKey(variable: name)
        }
        return value
    }

    /// Checks the URL is http or https with a host.
    public func validate() throws(TrafficError) {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = c.host, !host.isEmpty else {
            throw .invalidEndpoint(url)
        }
    }
}

/// The client's deadlines. `connect` belongs to the shared `HTTPClient`
/// (``ModelClient/makeHTTPClient(concurrency:connectTimeout:)``); the others apply per attempt.
public struct ClientTimeouts: Sendable, Equatable {
    public var connect: Duration
    /// From sending until the first content chunk (streaming) or the first body byte (not streaming).
    public var firstToken: Duration
    /// Longest silence between two received chunks after the first token.
    public var idle: Duration
    /// The whole attempt.
    public var total: Duration

    public init(connect: Duration = .seconds(10), firstToken: Duration = .seconds(60),
                idle: Duration = .seconds(30), total: Duration = .seconds(300)) {
        self.connect = connect
        self.firstToken = firstToken
        self.idle = idle
        self.total = total
    }
}

/// When and how to retry: only connect errors, 429 and 503, with exponential backoff and jitter,
/// honouring `Retry-After`, at most `maxAttempts` attempts in all.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (1 means no retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Fraction of each delay that is randomized (0 = none, 1 = "full jitter").
    public var jitter: Double
    /// Longest `Retry-After` honoured; a longer one ends the retries.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 1, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20),
                jitter: Double = 0.5, maxRetryAfter: Duration = .seconds(60)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
        self.maxRetryAfter = maxRetryAfter
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether a failed attempt of this kind may be retried.
    public static func isRetryable(_ errorClass: ErrorClass?, status: Int?) -> Bool {
        switch errorClass {
        case .connect, .http429: return true
        case .http5xx: return status == 503
        default: return false
        }
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): `Retry-After` when given,
    /// else `baseDelay · 2^(attempt-1)` capped at `maxDelay`, of which a `jitter` fraction is random.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, unit: Double) -> Duration? {
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? retryAfter : nil
        }
        let base = DurationText.seconds(baseDelay) * pow(2, Double(max(0, attempt - 1)))
        let capped = min(base, DurationText.seconds(maxDelay))
        let seconds = capped * (1 - jitter) + capped * jitter * unit
        return .milliseconds(Int64(seconds * 1000))
    }
}
