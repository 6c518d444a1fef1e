import Foundation

/// A small, fast, seedable random number generator (SplitMix64, Steele, Lea & Flood 2014,
/// "Fast splittable pseudorandom number generators"), so simulated runs are reproducible.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator whose seed mixes `seed` with the FNV-1a hash of each key: stable across processes
    /// (Swift's `Hasher` is randomly seeded per process, so it cannot be used here).
    init(seed: UInt64, keys: String...) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for key in keys {
            for byte in key.utf8 {
                h ^= UInt64(byte)
                h = h &* 0x0000_0100_0000_01b3
            }
            h ^= 0xff
            h = h &* 0x0000_0100_0000_01b3
        }
        state = h
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal draw (Box–Muller transform).
    mutating func normal() -> Double {
        let u1 = max(unit(), .leastNonzeroMagnitude)
        let u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A lognormal draw with the given median and standard deviation of the logarithm.
    mutating func lognormal(median: Double, spread: Double) -> Double {
        guard spread > 0 else { return median }
        return median * exp(spread * normal())
    }
}
