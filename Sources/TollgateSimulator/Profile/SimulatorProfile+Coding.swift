import Foundation

// Snake-case keys for profile files, every key optional (missing keys take the defaults).

extension SimulatorProfile.Latency {
    enum CodingKeys: String, CodingKey {
        case medianMs = "median_ms"
        case spread
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            medianMs: try c.decodeIfPresent(Double.self, forKey: .medianMs) ?? 20,
            spread: try c.decodeIfPresent(Double.self, forKey: .spread) ?? 0
        )
    }
}

extension SimulatorProfile.Prefill {
    enum CodingKeys: String, CodingKey {
        case medianMs = "median_ms"
        case spread
        case perInputTokenMs = "per_input_token_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        self.init(
            medianMs: try c.decodeIfPresent(Double.self, forKey: .medianMs) ?? d.medianMs,
            spread: try c.decodeIfPresent(Double.self, forKey: .spread) ?? d.spread,
            perInputTokenMs: try c.decodeIfPresent(Double.self, forKey: .perInputTokenMs) ?? d.perInputTokenMs
        )
    }
}

extension SimulatorProfile.OutputLength {
    enum CodingKeys: String, CodingKey {
        case median, spread, min, max
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        self.init(
            median: try c.decodeIfPresent(Double.self, forKey: .median) ?? d.median,
            spread: try c.decodeIfPresent(Double.self, forKey: .spread) ?? d.spread,
            min: try c.decodeIfPresent(Int.self, forKey: .min) ?? d.min,
            max: try c.decodeIfPresent(Int.self, forKey: .max) ?? d.max
        )
    }
}

extension SimulatorProfile.Faults {
    /// A key of `faults:`: a fault's own name (``SimulatedFault``'s raw value) holds its rate.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }

        static let retryAfterSeconds = Key("retry_after_seconds")
        static let stallMs = Key("stall_ms")
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        self.init()
        for fault in SimulatedFault.drawnByRate {
            self[rate: fault] = try c.decodeIfPresent(Double.self, forKey: Key(fault.rawValue)) ?? 0
        }
        retryAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? retryAfterSeconds
        stallMs = try c.decodeIfPresent(Double.self, forKey: .stallMs) ?? stallMs
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for fault in SimulatedFault.drawnByRate { try c.encode(self[rate: fault], forKey: Key(fault.rawValue)) }
        try c.encode(retryAfterSeconds, forKey: .retryAfterSeconds)
        try c.encode(stallMs, forKey: .stallMs)
    }

    /// The rate of a fault drawn by rate; header-only faults (``SimulatedFault/drawnByRate`` lacks
    /// them) have rate 0 and setting one changes nothing.
    public subscript(rate fault: SimulatedFault) -> Double {
        get {
            switch fault {
            case .rateLimited: return rateLimited
            case .serverError: return serverError
            case .unavailable: return unavailable
            case .outOfMemory: return outOfMemory
            case .streamCut: return streamCut
            case .stallFirstToken: return stallFirstToken
            case .stallMidStream: return stallMidStream
            case .malformed: return malformed
            case .contextLength, .modelNotFound: return 0
            }
        }
        set {
            switch fault {
            case .rateLimited: rateLimited = newValue
            case .serverError: serverError = newValue
            case .unavailable: unavailable = newValue
            case .outOfMemory: outOfMemory = newValue
            case .streamCut: streamCut = newValue
            case .stallFirstToken: stallFirstToken = newValue
            case .stallMidStream: stallMidStream = newValue
            case .malformed: malformed = newValue
            case .contextLength, .modelNotFound: break
            }
        }
    }

    /// The rates in a fixed order, for drawing one fault per request.
    var ordered: [(SimulatedFault, Double)] {
        SimulatedFault.drawnByRate.map { ($0, self[rate: $0]) }
    }
}

extension SimulatorProfile {
    /// Checks that rates are probabilities summing to at most 1 and that latencies and lengths make sense.
    public func validate() throws(SimulatorError) {
        func check(_ ok: Bool, _ message: String) throws(SimulatorError) {
            if !ok { throw .invalidProfile(message) }
        }
        for (fault, rate) in faults.ordered {
            try check(rate >= 0 && rate <= 1, "faults.\(fault.rawValue) is \(rate); a rate must be between 0 and 1.")
        }
        let total = faults.ordered.map(\.1).reduce(0, +)
        try check(total <= 1 + 1e-9, "The fault rates add up to \(total); their sum must be at most 1.")
        try check(degradedRate >= 0 && degradedRate <= 1, "degraded_rate is \(degradedRate); it must be between 0 and 1.")
        try check(prefill.medianMs >= 0 && prefill.spread >= 0 && prefill.perInputTokenMs >= 0,
                  "prefill median_ms, spread and per_input_token_ms must not be negative.")
        try check(decode.medianMs >= 0 && decode.spread >= 0, "decode median_ms and spread must not be negative.")
        try check(outputTokens.min >= 1 && outputTokens.min <= outputTokens.max,
                  "output_tokens needs 1 <= min <= max (got min \(outputTokens.min), max \(outputTokens.max)).")
        try check(outputTokens.median > 0, "output_tokens.median must be positive.")
        try check(embeddingDimensions >= 1 && embeddingDimensions <= 65_536, "embedding_dimensions must be between 1 and 65536.")
        try check(faults.retryAfterSeconds >= 0 && faults.stallMs >= 0, "faults.retry_after_seconds and stall_ms must not be negative.")
        if let max = maxInputTokens { try check(max >= 1, "max_input_tokens must be at least 1.") }
        try check(!models.isEmpty, "models must list at least one model id.")
        if let problem = serving.problems().first { throw .invalidProfile(problem) }
    }
}
