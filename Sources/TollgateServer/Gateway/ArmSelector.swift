import NIOConcurrencyHelpers
import TollgateCore

/// The live split: the candidate's weight and the mirror share, changed by the admin API and
/// read by every request.
final class TrafficSplit: Sendable {
    /// A consistent snapshot of the split.
    struct Weights: Sendable, Equatable, Codable {
        var candidate: Int
        var mirror: Int
    }

    private let state: NIOLockedValueBox<Weights>

    init(candidate: Int, mirror: Int) {
        state = NIOLockedValueBox(Weights(candidate: candidate, mirror: mirror))
    }

    var weights: Weights { state.withLockedValue { $0 } }

    /// Sets the candidate weight and, when given, the mirror share; values are validated by the caller.
    func set(candidate: Int?, mirror: Int?) -> Weights {
        state.withLockedValue { weights in
            if let candidate { weights.candidate = candidate }
            if let mirror { weights.mirror = mirror }
            return weights
        }
    }
}

/// Chooses the arm of one request from the weight, at random or by a sticky key.
///
/// With a key, the arm comes from a stable hash of the key mapped to one of 10 000 buckets; the
/// candidate takes the buckets below `weight × 100`. A user's bucket never changes, so raising the
/// weight only ever moves users from the baseline to the candidate, and lowering it moves them
/// back: each user sees one version at a time (the monotone property of consistent hashing that
/// matters for canaries). The hash is FNV-1a 64 with the SplitMix64 finaliser, stable across
/// processes and restarts (Swift's `Hasher` is seeded per process, so it would not be).
enum ArmSelector {
    static let buckets: UInt64 = 10_000

    static func choose(candidatePercent: Int, stickyKey: String?) -> Arm {
        if candidatePercent <= 0 { return .baseline }
        if candidatePercent >= 100 { return .candidate }
        let drawn = stickyKey.map { Self.bucket(of: $0) } ?? drawn(below: buckets)
        return drawn < UInt64(candidatePercent) * (buckets / 100) ? .candidate : .baseline
    }

    /// Whether to mirror a request: a plain random draw against the mirror share.
    static func shouldMirror(mirrorPercent: Int) -> Bool {
        if mirrorPercent <= 0 { return false }
        if mirrorPercent >= 100 { return true }
        return drawn(below: 100) < UInt64(mirrorPercent)
    }

    /// The key's bucket in `0..<10000`.
    static func bucket(of key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        // SplitMix64 finaliser: spreads FNV's weak low bits over the whole word.
        return FastRandom.finalise(hash) % buckets
    }

    /// A uniform draw in `0..<bound` without a system call (``FastRandom``).
    private static func drawn(below bound: UInt64) -> UInt64 {
        var random = FastRandom()
        return UInt64.random(in: 0..<bound, using: &random)
    }
}
