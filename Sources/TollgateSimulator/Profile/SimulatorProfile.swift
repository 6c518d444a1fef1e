import Foundation

/// Everything that shapes how a simulated model server behaves: latencies, output lengths,
/// faults, answers and the seed. Loaded from a YAML or JSON `--profile` file, or built in code
/// by tests and by other modules that start a ``Simulator`` in-process.
public struct SimulatorProfile: Codable, Sendable, Equatable {
    /// Seed of every random draw; the same seed and the same requests give the same run.
    public var seed: UInt64
    /// Model ids listed by `/v1/models`; the first is echoed when a request names none.
    public var models: [String]
    /// When true, a request for a model not in ``models`` gets 404 `model_not_found`.
    public var rejectUnknownModels: Bool
    /// Time before the first token, growing with the input length.
    public var prefill: Prefill
    /// Time between consecutive output tokens.
    public var decode: Latency
    /// How many tokens an answer has when the request sets no lower `max_tokens`.
    public var outputTokens: OutputLength
    /// Inputs longer than this many tokens get a 400 context-length error; `nil` accepts any length.
    public var maxInputTokens: Int?
    /// Fault injection rates, each a probability per request.
    public var faults: Faults
    /// Prompt → answer pairs; prompts not listed get a deterministic generated answer.
    public var cases: [Case]
    /// Probability that a prompt's answer is degraded (decided once per prompt and seed, so
    /// the same prompts are degraded in every run).
    public var degradedRate: Double
    /// Length of the vectors `/v1/embeddings` returns.
    public var embeddingDimensions: Int
    /// When true the simulator keeps, per request id, the times it wrote each content chunk
    /// (see ``Simulator/schedule(requestID:)``), for measuring a client's timing error.
    public var recordSchedule: Bool
    /// Which real server's streaming quirks to reproduce.
    public var dialect: Dialect
    /// Cold start, warmup curve and capacity (see ``Serving``); the default is ready at once, no
    /// warmup and no capacity limit.
    public var serving = Serving()

    /// Streaming quirks of real OpenAI-compatible servers.
    public enum Dialect: String, Codable, Sendable, CaseIterable {
        /// OpenAI and vLLM: a role chunk, content chunks, a finish chunk, a `usage` chunk when
        /// `stream_options.include_usage` is set, then `data: [DONE]`.
        case openai
        /// `transformers serve`: `usage` inside the finish chunk, and no `data: [DONE]`.
        case transformers
        /// llama.cpp's server: no `usage` in streams; a cut stream ends with `data: [DONE]` and no
        /// finish reason; an `x-request-id` that is not a UUID gets HTTP 400 with an empty body.
        case llamaCpp = "llama_cpp"
    }

    public init(
        seed: UInt64 = 0, models: [String] = ["tollgate-sim"], rejectUnknownModels: Bool = false,
        prefill: Prefill = Prefill(), decode: Latency = Latency(medianMs: 20, spread: 0.2),
        outputTokens: OutputLength = OutputLength(), maxInputTokens: Int? = nil,
        faults: Faults = Faults(), cases: [Case] = [], degradedRate: Double = 0,
        embeddingDimensions: Int = 64, recordSchedule: Bool = false, dialect: Dialect = .openai
    ) {
        self.dialect = dialect
        self.seed = seed
        self.models = models
        self.rejectUnknownModels = rejectUnknownModels
        self.prefill = prefill
        self.decode = decode
        self.outputTokens = outputTokens
        self.maxInputTokens = maxInputTokens
        self.faults = faults
        self.cases = cases
        self.degradedRate = degradedRate
        self.embeddingDimensions = embeddingDimensions
        self.recordSchedule = recordSchedule
    }

    /// A lognormal latency: `median` milliseconds, `spread` the standard deviation of its logarithm
    /// (0 makes it constant).
    public struct Latency: Codable, Sendable, Equatable {
        public var medianMs: Double
        public var spread: Double
        public init(medianMs: Double, spread: Double = 0) {
            self.medianMs = medianMs
            self.spread = spread
        }
    }

    /// Prefill latency: lognormal around `medianMs + perInputTokenMs × input tokens`.
    public struct Prefill: Codable, Sendable, Equatable {
        public var medianMs: Double
        public var spread: Double
        public var perInputTokenMs: Double
        public init(medianMs: Double = 100, spread: Double = 0.3, perInputTokenMs: Double = 0.05) {
            self.medianMs = medianMs
            self.spread = spread
            self.perInputTokenMs = perInputTokenMs
        }
    }

    /// Output length: lognormal around `median` tokens, clamped to `min...max`.
    public struct OutputLength: Codable, Sendable, Equatable {
        public var median: Double
        public var spread: Double
        public var min: Int
        public var max: Int
        public init(median: Double = 64, spread: Double = 0.5, min: Int = 1, max: Int = 512) {
            self.median = median
            self.spread = spread
            self.min = min
            self.max = max
        }
    }

    /// Probabilities, per request, of each injected fault (they are exclusive: at most one per request).
    public struct Faults: Codable, Sendable, Equatable {
        /// HTTP 429 with a `Retry-After` header of ``retryAfterSeconds``.
        public var rateLimited: Double
        public var retryAfterSeconds: Int
        /// HTTP 500 with a generic error body.
        public var serverError: Double
        /// HTTP 503 (the server is overloaded or starting).
        public var unavailable: Double
        /// HTTP 500 whose body says the GPU ran out of memory.
        public var outOfMemory: Double
        /// The stream (or body) stops half-way and the connection closes, without a finish reason.
        public var streamCut: Double
        /// Nothing is sent after the headers for ``stallMs`` before the first token.
        public var stallFirstToken: Double
        /// The stream stops for ``stallMs`` half-way through the answer.
        public var stallMidStream: Double
        public var stallMs: Double
        /// A chunk that is not valid JSON is sent half-way through the answer.
        public var malformed: Double

        public init(
            rateLimited: Double = 0, retryAfterSeconds: Int = 1, serverError: Double = 0,
            unavailable: Double = 0, outOfMemory: Double = 0, streamCut: Double = 0,
            stallFirstToken: Double = 0, stallMidStream: Double = 0, stallMs: Double = 60_000,
            malformed: Double = 0
        ) {
            self.rateLimited = rateLimited
            self.retryAfterSeconds = retryAfterSeconds
            self.serverError = serverError
            self.unavailable = unavailable
            self.outOfMemory = outOfMemory
            self.streamCut = streamCut
            self.stallFirstToken = stallFirstToken
            self.stallMidStream = stallMidStream
            self.stallMs = stallMs
            self.malformed = malformed
        }
    }

    /// A prompt and the answer the simulator gives to it; `degraded` is the answer given when the
    /// prompt is among the degraded ones (a generic unhelpful answer when absent).
    public struct Case: Codable, Sendable, Equatable {
        public var prompt: String
        public var answer: String
        public var degraded: String?
        public init(prompt: String, answer: String, degraded: String? = nil) {
            self.prompt = prompt
            self.answer = answer
            self.degraded = degraded
        }
    }

    /// A profile that answers immediately (no prefill or decode delay): for throughput stubs and fast tests.
    public static func instant(seed: UInt64 = 0) -> SimulatorProfile {
        SimulatorProfile(
            seed: seed,
            prefill: Prefill(medianMs: 0, spread: 0, perInputTokenMs: 0),
            decode: Latency(medianMs: 0, spread: 0),
            outputTokens: OutputLength(median: 16, spread: 0, min: 16, max: 16)
        )
    }
}

extension SimulatorProfile {
    enum CodingKeys: String, CodingKey {
        case seed, models, prefill, decode, faults, cases
        case rejectUnknownModels = "reject_unknown_models"
        case outputTokens = "output_tokens"
        case maxInputTokens = "max_input_tokens"
        case degradedRate = "degraded_rate"
        case embeddingDimensions = "embedding_dimensions"
        case recordSchedule = "record_schedule"
        case dialect
        case serving
    }

    /// Decodes a profile in which every key is optional: missing keys take the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SimulatorProfile()
        self.init(
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed,
            models: try c.decodeIfPresent([String].self, forKey: .models) ?? d.models,
            rejectUnknownModels: try c.decodeIfPresent(Bool.self, forKey: .rejectUnknownModels) ?? d.rejectUnknownModels,
            prefill: try c.decodeIfPresent(Prefill.self, forKey: .prefill) ?? d.prefill,
            decode: try c.decodeIfPresent(Latency.self, forKey: .decode) ?? d.decode,
            outputTokens: try c.decodeIfPresent(OutputLength.self, forKey: .outputTokens) ?? d.outputTokens,
            maxInputTokens: try c.decodeIfPresent(Int.self, forKey: .maxInputTokens),
            faults: try c.decodeIfPresent(Faults.self, forKey: .faults) ?? d.faults,
            cases: try c.decodeIfPresent([Case].self, forKey: .cases) ?? d.cases,
            degradedRate: try c.decodeIfPresent(Double.self, forKey: .degradedRate) ?? d.degradedRate,
            embeddingDimensions: try c.decodeIfPresent(Int.self, forKey: .embeddingDimensions) ?? d.embeddingDimensions,
            recordSchedule: try c.decodeIfPresent(Bool.self, forKey: .recordSchedule) ?? d.recordSchedule,
            dialect: try c.decodeIfPresent(Dialect.self, forKey: .dialect) ?? d.dialect
        )
        serving = try c.decodeIfPresent(Serving.self, forKey: .serving) ?? d.serving
    }
}
