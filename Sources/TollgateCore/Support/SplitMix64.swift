import Foundation

/// A small, fast, seedable random number generator (SplitMix64, Steele, Lea & Flood 2014,
/// "Fast splittable pseudorandom number generators"), so simulated answers and replayed arrival
/// times are reproducible from a seed. Seeds that mix in string keys hash them with FNV-1a
/// (Swift's `Hasher` is randomly seeded per process, so it cannot be used here).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `state` itself.
    public init(state: UInt64) {
        self.state = state
    }

    /// A generator whose state is `seed` mixed with the FNV-1a hash of each key, every key
    /// closed by a `0xff` byte (so `("ab", "c")` and `("a", "bc")` differ).
    public init(seed: UInt64, keys: [String]) {
        var h = Self.fnv1aOffset ^ seed
        for key in keys { h = Self.fnv1a(Array(key.utf8) + [0xff], from: h) }
        state = h
    }

    /// The FNV-1a offset basis.
    public static let fnv1aOffset: UInt64 = 0xcbf2_9ce4_8422_2325

    /// FNV-1a of `bytes`, continuing from the hash `h`.
    public static func fnv1a(_ bytes: some Sequence<UInt8>, from h: UInt64) -> UInt64 {
        var h = h
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal draw (Box–Muller transform).
    public mutating func normal() -> Double {
        let u1 = max(unit(), .leastNonzeroMagnitude)
        let u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
