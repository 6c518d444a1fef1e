import Foundation

extension SimulatorProfile {
    /// How the simulated server comes up and copes with load, so each step of `tollgate qualify`
    /// can be checked against a known truth: a cold start (not ready until it has passed), a warmup
    /// curve (the first requests are slower), and a capacity model (a fixed number of requests served
    /// at once, the rest waiting in a bounded queue, 429 beyond it).
    public struct Serving: Codable, Sendable, Equatable {
        /// Milliseconds after the server starts before it is ready: until then `/health` answers 503
        /// and generation requests get 503 "the model is loading".
        public var coldStartMs: Double
        /// The first this many generation requests served after the cold start have their prefill
        /// multiplied by ``warmupFactor`` (a KV cache or graph warmup).
        public var warmupRequests: Int
        public var warmupFactor: Double
        /// Requests served at once; others wait for a slot, so their time to first token grows by the
        /// wait. `nil` serves any number at once.
        public var capacity: Int?
        /// Most requests waiting for a slot (with ``capacity``); one more gets HTTP 429. `nil` lets
        /// the queue grow without bound.
        public var queueLimit: Int?

        public init(coldStartMs: Double = 0, warmupRequests: Int = 0, warmupFactor: Double = 3,
                    capacity: Int? = nil, queueLimit: Int? = nil) {
            self.coldStartMs = coldStartMs
            self.warmupRequests = warmupRequests
            self.warmupFactor = warmupFactor
            self.capacity = capacity
            self.queueLimit = queueLimit
        }

        enum CodingKeys: String, CodingKey {
            case coldStartMs = "cold_start_ms"
            case warmupRequests = "warmup_requests"
            case warmupFactor = "warmup_factor"
            case capacity
            case queueLimit = "queue_limit"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Self()
            self.init(
                coldStartMs: try c.decodeIfPresent(Double.self, forKey: .coldStartMs) ?? d.coldStartMs,
                warmupRequests: try c.decodeIfPresent(Int.self, forKey: .warmupRequests) ?? d.warmupRequests,
                warmupFactor: try c.decodeIfPresent(Double.self, forKey: .warmupFactor) ?? d.warmupFactor,
                capacity: try c.decodeIfPresent(Int.self, forKey: .capacity),
                queueLimit: try c.decodeIfPresent(Int.self, forKey: .queueLimit)
            )
        }

        /// The problems of these settings, as messages (empty when they make sense).
        func problems() -> [String] {
            var found: [String] = []
            if !(coldStartMs >= 0) { found.append("serving.cold_start_ms must not be negative.") }
            if warmupRequests < 0 { found.append("serving.warmup_requests must not be negative.") }
            if !(warmupFactor >= 1) { found.append("serving.warmup_factor must be at least 1 (got \(warmupFactor)).") }
            if let capacity, capacity < 1 { found.append("serving.capacity must be at least 1 (got \(capacity)).") }
            if let queueLimit, queueLimit < 0 { found.append("serving.queue_limit must not be negative (got \(queueLimit)).") }
            return found
        }
    }
}
