public import Foundation

/// Which version of the model a request was sent to.
///
/// `shadow` marks a mirrored copy of a user request sent to the candidate whose
/// response is measured and discarded (the gateway's mirroring).
public enum Arm: String, Codable, Sendable, CaseIterable, Hashable {
    case baseline
    case candidate
    case shadow
}

/// Why a request to a model server failed, classified from its status, body and stream.
///
/// The raw values are stable: they are stored in SQLite, printed in summaries and
/// used as Prometheus label values.
public enum ErrorClass: String, Codable, Sendable, CaseIterable, Hashable {
    /// The TCP or TLS connection could not be established.
    case connect
    /// No content arrived before the first-token deadline.
    case timeoutFirstToken = "timeout_first_token"
    /// The stream went silent for longer than the idle (between chunks) deadline.
    case timeoutIdle = "timeout_idle"
    /// The whole request took longer than its total deadline.
    case timeoutTotal = "timeout_total"
    /// HTTP 429: the server is rate limiting.
    case http429 = "http_429"
    /// Any other 4xx the server sent that is not classified more precisely below.
    case http4xx = "http_4xx"
    /// Any 5xx the server sent that is not classified more precisely below.
    case http5xx = "http_5xx"
    /// The server says the input is longer than the model's context window.
    case contextLength = "context_length"
    /// The server says it ran out of (GPU) memory.
    case oom
    /// The server does not serve the requested model, or its configuration does not match.
    case modelNotFound = "model_not_found"
    /// The stream ended before the server said the generation finished.
    case streamCut = "stream_cut"
    /// The server sent bytes that are not valid JSON or SSE.
    case malformed
}

/// One measured request to one arm: the timing fields of DESIGN.md "Measurements".
///
/// Times are milliseconds after ``startedAt`` (a monotonic clock measured them);
/// `nil` means the event did not happen (no first token on an error, for example).
public struct Sample: Codable, Sendable, Equatable {
    /// The request's id: from the traffic file, or generated. Shadow pairs share it.
    public var requestID: String
    public var arm: Arm
    /// Wall-clock time the request was sent.
    public var startedAt: Date
    /// Milliseconds until the first byte of the response body.
    public var firstByteMs: Double?
    /// Time to first token: milliseconds until the first chunk carrying content,
    /// reasoning or a tool call (a role-only chunk does not count).
    public var ttftMs: Double?
    /// Milliseconds after start of every chunk that carried content, in order.
    public var chunkTimesMs: [Double]
    /// End to end: milliseconds until the last content chunk (or the whole body when not streaming).
    public var e2eMs: Double?
    public var inputTokens: Int?
    public var outputTokens: Int?
    /// True when `outputTokens` was counted from chunks because the server sent no `usage`.
    public var tokensEstimated: Bool
    public var finishReason: String?
    public var httpStatus: Int?
    /// Response body bytes received.
    public var bytes: Int
    public var errorClass: ErrorClass?
    public var errorMessage: String?
    /// Number of attempts made (1 when no retry happened).
    public var attempts: Int
    /// The answer's text, kept only when the caller asked for it.
    public var responseText: String?
    public var tags: [String]

    public init(
        requestID: String, arm: Arm, startedAt: Date,
        firstByteMs: Double? = nil, ttftMs: Double? = nil, chunkTimesMs: [Double] = [],
        e2eMs: Double? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil,
        tokensEstimated: Bool = false, finishReason: String? = nil, httpStatus: Int? = nil,
        bytes: Int = 0, errorClass: ErrorClass? = nil, errorMessage: String? = nil,
        attempts: Int = 1, responseText: String? = nil, tags: [String] = []
    ) {
        self.requestID = requestID
        self.arm = arm
        self.startedAt = startedAt
        self.firstByteMs = firstByteMs
        self.ttftMs = ttftMs
        self.chunkTimesMs = chunkTimesMs
        self.e2eMs = e2eMs
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.tokensEstimated = tokensEstimated
        self.finishReason = finishReason
        self.httpStatus = httpStatus
        self.bytes = bytes
        self.errorClass = errorClass
        self.errorMessage = errorMessage
        self.attempts = attempts
        self.responseText = responseText
        self.tags = tags
    }

    /// Whether the request succeeded (no error class).
    public var succeeded: Bool { errorClass == nil }

    /// Inter-token latencies: the gaps between consecutive content chunks, in milliseconds
    /// (vLLM's ITL definition, per chunk).
    public var interTokenLatenciesMs: [Double] {
        guard chunkTimesMs.count > 1 else { return [] }
        return zip(chunkTimesMs.dropFirst(), chunkTimesMs).map { $0 - $1 }
    }

    /// Time per output token after the first: `(e2e - ttft) / (outputTokens - 1)`
    /// (vLLM's and AIPerf's TPOT); `nil` with fewer than two output tokens.
    public var timePerOutputTokenMs: Double? {
        guard let e2e = e2eMs, let ttft = ttftMs, let tokens = outputTokens, tokens > 1 else { return nil }
        return (e2e - ttft) / Double(tokens - 1)
    }
}
