import Foundation

/// A deterministic random number generator (xoshiro256** seeded through SplitMix64,
/// Blackman & Vigna 2018), so that bootstraps and simulations repeat exactly for a seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound by Lemire's nearly divisionless method (unbiased), written out
    /// here so that scripts/golden/generate_stats.py can reproduce the exact stream.
    public mutating func nextIndex(_ bound: Int) -> Int {
        let upper = UInt64(bound)
        var m = next().multipliedFullWidth(by: upper)
        if m.low < upper {
            let threshold = (0 &- upper) % upper
            while m.low < threshold { m = next().multipliedFullWidth(by: upper) }
        }
        return Int(truncatingIfNeeded: m.high)
    }

    /// A standard normal deviate (Box–Muller).
    public mutating func nextGaussian() -> Double {
        var u1 = nextUnit()
        while u1 == 0 { u1 = nextUnit() }
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
