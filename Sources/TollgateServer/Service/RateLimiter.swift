import NIOConcurrencyHelpers

/// Per-client request limits for Tollgate's HTTP APIs (`serve`'s API and the gateway's admin API):
/// one token bucket per key (a token's name), refilled at ``Limit/perSecond`` up to ``Limit/burst``.
/// A request that finds its bucket empty is refused with how long to wait (`429` with `Retry-After`).
///
/// ```swift
/// let limiter = RateLimiter(limit: .init(perSecond: 10, burst: 20))
/// if let wait = limiter.admit("ops") { /* 429, Retry-After: wait */ }
/// ```
public final class RateLimiter: Sendable {
    /// Sustained requests per second and the burst allowed on top.
    public struct Limit: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Int

        public init(perSecond: Double, burst: Int) {
            self.perSecond = max(perSecond, 0.001)
            self.burst = max(burst, 1)
        }

        /// 20 requests a second, bursts of 40: far above what operators and Alertmanager send.
        public static let standard = Limit(perSecond: 20, burst: 40)
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    public let limit: Limit
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    private let seconds: @Sendable () -> Double

    /// `seconds` is a monotonic clock in seconds (tests pass their own).
    public init(limit: Limit, seconds: @escaping @Sendable () -> Double = RateLimiter.monotonicSeconds) {
        self.limit = limit
        self.seconds = seconds
    }

    /// Takes one request from `key`'s bucket: nil when admitted, else the seconds until one is free.
    public func admit(_ key: String) -> Double? {
        let now = seconds()
        let limit = self.limit
        return buckets.withLockedValue { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(limit.burst), updated: now)
            bucket.tokens = min(Double(limit.burst), bucket.tokens + (now - bucket.updated) * limit.perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / limit.perSecond
        }
    }

    /// The `Retry-After` value (whole seconds, at least 1) for a wait.
    public static func retryAfterHeader(_ wait: Double) -> String {
        String(max(1, Int(wait.rounded(.up))))
    }

    public static let monotonicSeconds: @Sendable () -> Double = {
        let elapsed = ContinuousClock.Instant.now - RateLimiter.origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private static let origin = ContinuousClock.now
}
