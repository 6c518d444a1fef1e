import Foundation
public import TollgateCore

/// Fields written into every replayed request, so comparisons are as deterministic as the
/// servers allow (temperature 0, a fixed seed, a bounded answer length).
public struct RequestOverrides: Sendable, Equatable {
    public var temperature: Double?
    public var seed: Int?
    public var maxTokens: Int?
    public var topP: Double?
    /// Force streaming on or off; `nil` keeps each request's own `stream`.
    public var stream: Bool?

    public init(temperature: Double? = nil, seed: Int? = nil, maxTokens: Int? = nil, topP: Double? = nil, stream: Bool? = nil) {
        self.topP = topP
        self.temperature = temperature
        self.seed = seed
        self.maxTokens = maxTokens
        self.stream = stream
    }

    /// `body` with the overrides written in (`max_tokens`, and `max_completion_tokens` too when the
    /// body already uses that newer name).
    public func apply(to body: JSONValue) -> JSONValue {
        var body = body
        if let temperature { body["temperature"] = .number(temperature) }
        if let seed { body["seed"] = .integer(seed) }
        if let topP { body["top_p"] = .number(topP) }
        if let maxTokens {
            body["max_tokens"] = .integer(maxTokens)
            if body["max_completion_tokens"] != nil { body["max_completion_tokens"] = .integer(maxTokens) }
        }
        if let stream {
            body["stream"] = .bool(stream)
            if !stream { body["stream_options"] = nil }
        }
        return body
    }
}
