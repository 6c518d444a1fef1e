import Foundation

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

/// A SplitMix64 generator (Steele, Lea & Flood 2014) with the draws replay needs, so a seed
/// reproduces arrival times and shadow send orders.
struct ReplayRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64, key: String = "") {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in key.utf8 {
            h ^= UInt64(byte)
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

    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func normal() -> Double {
        let u1 = max(unit(), .leastNonzeroMagnitude)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * unit())
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
