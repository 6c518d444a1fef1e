import Foundation
public import TollgateCore

/// Service-level thresholds a request must meet to count as "good" (vLLM's `--goodput`
/// definition: a successful request whose TTFT, TPOT and E2E are all within their limits).
public struct GoodputThresholds: Sendable, Equatable, Codable {
    public var ttftMs: Double?
    public var tpotMs: Double?
    public var e2eMs: Double?

    public init(ttftMs: Double? = nil, tpotMs: Double? = nil, e2eMs: Double? = nil) {
        self.ttftMs = ttftMs
        self.tpotMs = tpotMs
        self.e2eMs = e2eMs
    }

    public var isEmpty: Bool { ttftMs == nil && tpotMs == nil && e2eMs == nil }

    /// Parses `ttft_ms=800,tpot_ms=50,e2e_ms=5000` (any subset, any order).
    public static func parse(_ text: String) throws(TrafficError) -> GoodputThresholds {
        var result = GoodputThresholds()
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Double(pair[1]), value >= 0 else {
                throw .invalidOption("'\(part)' is not a goodput threshold; write e.g. ttft_ms=800,tpot_ms=50,e2e_ms=5000.")
            }
            switch pair[0] {
            case "ttft_ms": result.ttftMs = value
            case "tpot_ms": result.tpotMs = value
            case "e2e_ms": result.e2eMs = value
            default:
                throw .invalidOption("Unknown goodput metric '\(pair[0])'; use ttft_ms, tpot_ms or e2e_ms.")
            }
        }
        return result
    }

    /// Whether `sample` succeeded and met every threshold set (a missing measurement fails it).
    public func isGood(_ sample: Sample) -> Bool {
        guard sample.succeeded else { return false }
        if let limit = ttftMs { guard let v = sample.ttftMs ?? sample.e2eMs, v <= limit else { return false } }
        if let limit = tpotMs, let v = sample.timePerOutputTokenMs, v > limit { return false }
        if let limit = e2eMs { guard let v = sample.e2eMs, v <= limit else { return false } }
        return true
    }
}
