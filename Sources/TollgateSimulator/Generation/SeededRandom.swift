import Foundation
import TollgateCore

/// The simulator's random numbers: TollgateCore's ``SplitMix64``, so simulated runs are reproducible.
typealias SeededRandom = SplitMix64

extension SplitMix64 {
    /// A generator started from `seed` itself.
    init(seed: UInt64) { self.init(state: seed) }

    /// A generator whose seed mixes `seed` with the FNV-1a hash of each key: stable across processes.
    init(seed: UInt64, keys: String...) { self.init(seed: seed, keys: keys) }

    /// A lognormal draw with the given median and standard deviation of the logarithm.
    mutating func lognormal(median: Double, spread: Double) -> Double {
        guard spread > 0 else { return median }
        return median * exp(spread * normal())
    }
}
