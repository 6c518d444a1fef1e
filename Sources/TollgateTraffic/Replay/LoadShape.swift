import Foundation
import TollgateCore

/// How requests are released: a fixed number in flight, arrivals at a rate, or the recorded times.
public enum LoadShape: Sendable, Equatable {
    /// Closed loop: `concurrency` requests in flight; each completion releases the next.
    case closedLoop(concurrency: Int)
    /// Open loop: `rate` requests per second with random inter-arrival times.
    case openLoop(rate: Double, arrivals: Arrivals)
    /// The traffic file's `ts` gaps divided by `speed` (2 replays twice as fast).
    case recorded(speed: Double)
}

/// The inter-arrival distribution of an open loop.
public enum Arrivals: Sendable, Equatable {
    /// Exponential gaps (a Poisson process).
    case poisson
    /// Gamma gaps with this shape and the same mean; below 1 is burstier than Poisson, above 1
    /// smoother (vLLM's `benchmark_serving --burstiness`).
    case gamma(shape: Double)
}

/// Replay's random numbers: TollgateCore's ``SplitMix64`` with the draws replay needs, so a seed
/// reproduces arrival times and shadow send orders.
typealias ReplayRandom = SplitMix64

extension SplitMix64 {
    /// A generator whose state is `seed` mixed with the FNV-1a hash of `key`.
    init(seed: UInt64, key: String = "") {
        self.init(state: Self.fnv1a(key.utf8, from: Self.fnv1aOffset ^ seed))
    }

    mutating func exponential(mean: Double) -> Double {
        -mean * log(max(1 - unit(), .leastNonzeroMagnitude))
    }

    /// A Gamma(shape, scale) draw: Marsaglia & Tsang (2000), "A simple method for generating gamma
    /// variables", with the `U^(1/shape)` boost for shapes below 1.
    mutating func gamma(shape: Double, scale: Double) -> Double {
        if shape < 1 {
            let boost = pow(max(unit(), .leastNonzeroMagnitude), 1 / shape)
            return gamma(shape: shape + 1, scale: scale) * boost
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0
            var v = 0.0
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = unit()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) {
                return d * v * scale
            }
        }
    }

    /// Seconds until the next arrival of an open loop at `rate` per second.
    mutating func interArrival(rate: Double, arrivals: Arrivals) -> Double {
        switch arrivals {
        case .poisson: return exponential(mean: 1 / rate)
        case .gamma(let shape): return gamma(shape: shape, scale: 1 / (rate * shape))
        }
    }
}
