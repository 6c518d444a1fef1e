import Synchronization

/// Random numbers for the gateway's hot path (the arm of a request, whether to mirror it, the
/// bits of a request ID) without a system call per draw: Swift's `SystemRandomNumberGenerator`
/// calls `getrandom` every time, once per proxied request.
///
/// SplitMix64 over one process-wide counter: the seed comes from the system generator once, draw
/// `n` is the SplitMix64 finaliser of `seed + n × golden gamma`. The counter is atomic, so every
/// event loop draws from the same stream without a lock. Statistically sound for traffic
/// splitting; not for secrets.
struct FastRandom: RandomNumberGenerator {
    private static let seed: UInt64 = {
        var system = SystemRandomNumberGenerator()
        return system.next()
    }()
    private static let counter = Atomic<UInt64>(0)
    private static let goldenGamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    init() {}

    mutating func next() -> UInt64 {
        let n = Self.counter.add(1, ordering: .relaxed).newValue
        return Self.finalise(Self.seed &+ n &* Self.goldenGamma)
    }

    /// The SplitMix64 finaliser (a bijection of 64-bit words that spreads every input bit over
    /// the whole output); the sticky-key hash uses it too.
    static func finalise(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
