import Foundation
public import TollgateCore

/// Percentiles of one latency metric, in milliseconds.
public struct LatencyStats: Sendable, Equatable, Codable {
    public var count: Int
    public var mean: Double?
    public var p50: Double?
    public var p90: Double?
    public var p95: Double?
    public var p99: Double?
    public var max: Double?

    init(_ h: LatencyHistogram) {
        count = h.count
        mean = h.mean
        p50 = h.quantile(0.50)
        p90 = h.quantile(0.90)
        p95 = h.quantile(0.95)
        p99 = h.quantile(0.99)
        max = h.count > 0 ? h.max : nil
    }
}

/// The summary of one arm of a replay: counts, errors by class, latency percentiles, throughput
/// and goodput.
public struct ArmSummary: Sendable, Equatable, Codable {
    public var arm: Arm
    public var requests: Int
    public var succeeded: Int
    public var errors: [String: Int]
    /// Attempts beyond the first (retries), in all.
    public var retries: Int
    public var ttftMs: LatencyStats
    /// Every gap between content chunks, pooled over requests (vLLM's ITL).
    public var itlMs: LatencyStats
    /// Per request `(e2e - ttft) / (output tokens - 1)` (vLLM's and AIPerf's TPOT).
    public var tpotMs: LatencyStats
    public var e2eMs: LatencyStats
    public var outputTokens: Int
    /// True when some output token counts were estimated from chunks (no `usage`).
    public var outputTokensEstimated: Bool
    public var elapsedSeconds: Double
    public var requestsPerSecond: Double
    public var outputTokensPerSecond: Double
    /// Requests that met the goodput thresholds, and their rate per second; `nil` without thresholds.
    public var goodRequests: Int?
    public var goodputPerSecond: Double?
}

/// Accumulates samples of one arm in constant memory.
struct ArmAccumulator: Sendable {
    let arm: Arm
    var requests = 0
    var succeeded = 0
    var errors: [ErrorClass: Int] = [:]
    var retries = 0
    var ttft = LatencyHistogram()
    var itl = LatencyHistogram()
    var tpot = LatencyHistogram()
    var e2e = LatencyHistogram()
    var outputTokens = 0
    var estimated = false
    var good = 0

    init(arm: Arm) { self.arm = arm }

    mutating func add(_ sample: Sample, goodput: GoodputThresholds) {
        requests += 1
        retries += max(0, sample.attempts - 1)
        if let errorClass = sample.errorClass {
            errors[errorClass, default: 0] += 1
            return
        }
        succeeded += 1
        if let v = sample.ttftMs { ttft.record(v) }
        for gap in sample.interTokenLatenciesMs { itl.record(gap) }
        if let v = sample.timePerOutputTokenMs { tpot.record(v) }
        if let v = sample.e2eMs { e2e.record(v) }
        outputTokens += sample.outputTokens ?? 0
        if sample.tokensEstimated { estimated = true }
        if !goodput.isEmpty, goodput.isGood(sample) { good += 1 }
    }

    func summary(elapsedSeconds: Double, goodput: GoodputThresholds) -> ArmSummary {
        let seconds = max(elapsedSeconds, 1e-9)
        return ArmSummary(
            arm: arm, requests: requests, succeeded: succeeded,
            errors: Dictionary(uniqueKeysWithValues: errors.map { ($0.key.rawValue, $0.value) }),
            retries: retries, ttftMs: LatencyStats(ttft), itlMs: LatencyStats(itl), tpotMs: LatencyStats(tpot),
            e2eMs: LatencyStats(e2e), outputTokens: outputTokens, outputTokensEstimated: estimated,
            elapsedSeconds: elapsedSeconds, requestsPerSecond: Double(succeeded) / seconds,
            outputTokensPerSecond: Double(outputTokens) / seconds,
            goodRequests: goodput.isEmpty ? nil : good,
            goodputPerSecond: goodput.isEmpty ? nil : Double(good) / seconds)
    }
}
