import Foundation
public import TollgateCore

/// Sends one request to one model version and measures it. ``ModelClient`` is the HTTP
/// implementation; the seam lets replay drive other transports (and lets tests replay
/// 100k-line files without a server).
public protocol ModelSender: Sendable {
    func send(_ body: JSONValue, requestID: String, arm: Arm, tags: [String]) async -> ModelResult
}

extension ModelClient: ModelSender {}

/// One arm replay sends to: baseline, candidate, or a single endpoint measured as `baseline`.
public struct ReplayTarget: Sendable {
    public var arm: Arm
    public var sender: any ModelSender

    public init(arm: Arm, sender: any ModelSender) {
        self.arm = arm
        self.sender = sender
    }

    public init(arm: Arm, client: ModelClient) {
        self.init(arm: arm, sender: client)
    }
}

/// How a replay runs: load shape, bounds, warm-up, overrides, seed, grace period and batching.
public struct ReplayConfiguration: Sendable {
    public var shape: LoadShape
    /// Most requests in flight in an open or recorded loop (backpressure): when reached, arrivals
    /// wait and are counted as late.
    public var maxInFlight: Int
    /// Measured requests to send (warm-up excluded); `nil` for the whole file.
    public var requestLimit: Int?
    /// Stop sending after this long; `nil` for no limit.
    public var duration: Duration?
    /// Requests sent first and summarized apart (excluded from the summary and the sink).
    public var warmupRequests: Int
    public var overrides: RequestOverrides
    /// Seeds arrival times and the shadow send order.
    public var seed: UInt64
    /// After a stop signal, how long in-flight requests may still finish.
    public var gracePeriod: Duration
    /// Samples per ``SampleSink/write(_:)`` call.
    public var batchSize: Int
    /// Start the file again at its end while a request or duration bound is not reached
    /// (request ids of later passes get a `~N` suffix).
    public var repeatTraffic: Bool
    public var goodput: GoodputThresholds

    public init(shape: LoadShape = .closedLoop(concurrency: 1), maxInFlight: Int = 1024, requestLimit: Int? = nil,
                duration: Duration? = nil, warmupRequests: Int = 0, overrides: RequestOverrides = RequestOverrides(),
                seed: UInt64 = 0, gracePeriod: Duration = .seconds(10), batchSize: Int = 200,
                repeatTraffic: Bool = false, goodput: GoodputThresholds = GoodputThresholds()) {
        self.shape = shape
        self.maxInFlight = maxInFlight
        self.requestLimit = requestLimit
        self.duration = duration
        self.warmupRequests = warmupRequests
        self.overrides = overrides
        self.seed = seed
        self.gracePeriod = gracePeriod
        self.batchSize = batchSize
        self.repeatTraffic = repeatTraffic
        self.goodput = goodput
    }

    /// The in-flight bound the shape implies.
    var inFlightLimit: Int {
        if case .closedLoop(let n) = shape { return max(1, n) }
        return max(1, maxInFlight)
    }

    /// Checks the numbers make sense.
    public func validate() throws(TrafficError) {
        switch shape {
        case .closedLoop(let n) where n < 1:
            throw .invalidOption("The concurrency must be at least 1 (got \(n)).")
        case .openLoop(let rate, let arrivals):
            guard rate > 0, rate.isFinite else { throw .invalidOption("The rate must be a positive number of requests per second (got \(rate)).") }
            if case .gamma(let shape) = arrivals, !(shape > 0) {
                throw .invalidOption("The burstiness (gamma shape) must be positive (got \(shape)).")
            }
        case .recorded(let speed) where !(speed > 0):
            throw .invalidOption("The recorded-time speed factor must be positive (got \(speed)).")
        default: break
        }
        if let n = requestLimit, n < 1 { throw .invalidOption("--requests must be at least 1 (got \(n)).") }
        if warmupRequests < 0 { throw .invalidOption("--warmup must not be negative.") }
        if maxInFlight < 1 { throw .invalidOption("The in-flight bound must be at least 1.") }
        if batchSize < 1 { throw .invalidOption("The batch size must be at least 1.") }
    }
}

/// A snapshot of a running replay, for progress bars.
public struct ReplayProgress: Sendable {
    public var done: Int
    public var total: Int?
    public var errors: Int
    public var elapsedSeconds: Double
    public var ratePerSecond: Double { elapsedSeconds > 0 ? Double(done) / elapsedSeconds : 0 }
    /// Seconds left at the current rate, when the total is known.
    public var etaSeconds: Double? {
        guard let total, ratePerSecond > 0 else { return nil }
        return Double(max(0, total - done)) / ratePerSecond
    }
}

/// The result of a replay: per-arm summaries (warm-up apart), malformed lines, and how it ended.
public struct ReplayReport: Sendable, Codable {
    public var arms: [ArmSummary]
    public var warmup: [ArmSummary]
    /// The first 100 malformed lines (all are counted in ``malformedCount``).
    public var malformedLines: [MalformedLine]
    public var malformedCount: Int
    /// Requests sent (warm-up included), counted once per request, not per arm.
    public var dispatched: Int
    /// Open-loop arrivals that left more than a millisecond late because the in-flight bound was reached.
    public var lateDispatches: Int
    /// True when a stop signal (Ctrl-C) ended the run early.
    public var interrupted: Bool
    /// In-flight requests cancelled when the grace period ran out.
    public var abandoned: Int
    /// How often each arm was sent first in shadow mode (the seeded interleaving).
    public var firstSent: [String: Int]
    public var elapsedSeconds: Double
}
