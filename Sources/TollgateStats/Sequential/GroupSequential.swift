import Foundation

/// A Lan–DeMets error-spending function: how much of a total error `a` may be spent by
/// information fraction `t` (0 at t = 0, `a` at t = 1, non-decreasing).
public enum SpendingFunction: Sendable, Hashable, Codable {
    /// Pocock-type: a · log(1 + (e − 1)·t) (Lan & DeMets 1983): spends early, near-constant boundaries.
    case pocock
    /// O'Brien–Fleming-type: 2 − 2Φ(Φ⁻¹(1 − a/2)/√t) (Lan & DeMets 1983): spends almost nothing early.
    case obrienFleming
    /// Power family a · t^ρ (Kim & DeMets 1987); ρ = 1 spends linearly, larger ρ later.
    case power(Double)

    /// The error spent by information fraction `t` (clamped to [0, 1]) out of a total `a`.
    public func spent(_ a: Double, at t: Double) -> Double {
        let t = min(max(t, 0), 1)
        if t == 0 { return 0 }
        switch self {
        case .pocock:
            return a * log(1 + (exp(1) - 1) * t)
        case .obrienFleming:
            if t == 1 { return a }
            return 2 * NormalDistribution.sf(NormalDistribution.quantile(1 - a / 2) / t.squareRoot())
        case .power(let rho):
            return a * pow(t, rho)
        }
    }
}

/// Group-sequential boundaries by error spending for looks at arbitrary information fractions,
/// computed by recursive numerical integration of the joint distribution of the z statistics
/// (Armitage, McPherson & Rowe 1969; the grid method of Jennison & Turnbull, *Group Sequential
/// Methods*, 2000, ch. 19, here with composite Simpson's rule on a uniform grid).
///
/// Model: at information fraction t the statistic is Z(t) = S(t)/√t with S a Brownian motion with
/// drift η (η = θ·√I_max; 0 under the null). A one-sided upper boundary u_k at look k is the value
/// with P(Z_k ≥ u_k, Z_j < u_j for j < k) = f(t_k) − f(t_{k−1}). Each boundary depends only on the
/// fractions up to its own look, so looks that differ from any plan (batches of different sizes,
/// a resume) just give the boundaries of the looks actually taken. A look whose increment is zero
/// gets +∞ (it cannot reject).
public enum GroupSequential {
    /// Grid step of the integration on the z scale and the half-width of the integrated range
    /// around each look's mean (beyond 8 the normal tail is below 1e-15).
    static let step = 0.04
    static let range = 8.0

    /// Boundaries already computed, by design: every look of a stage recomputes the boundaries of
    /// all its looks, and a benchmark or a CLI session repeats the same designs.
    final class Cache: @unchecked Sendable {
        struct Key: Hashable {
            var fractions: [Double]
            var spending: SpendingFunction
            var total: Double
        }
        private let lock = NSLock()
        private var entries: [Key: [Double]] = [:]

        func value(_ key: Key, compute: () -> [Double]) -> [Double] {
            if let hit = lock.withLock({ entries[key] }) { return hit }
            let v = compute()
            lock.withLock {
                if entries.count > 10_000 { entries.removeAll() }
                entries[key] = v
            }
            return v
        }
    }
    static let cache = Cache()

    /// Upper boundaries for looks at increasing information fractions `fractions` (each in (0, 1];
    /// t = 1 is the planned horizon), spending `total` one-sided error with `spending`.
    public static func upperBoundaries(fractions: [Double], spending: SpendingFunction, total: Double) throws -> [Double] {
        try check(fractions)
        guard total > 0, total < 0.5, total.isFinite else {
            throw StatsError.invalidParameter("The error to spend must lie strictly between 0 and 0.5, got \(total).")
        }
        return cache.value(Cache.Key(fractions: fractions, spending: spending, total: total)) {
            compute(fractions: fractions, spending: spending, total: total)
        }
    }

    static func compute(fractions: [Double], spending: SpendingFunction, total: Double) -> [Double] {
        var bounds: [Double] = []
        var density: Density?
        for (k, t) in fractions.enumerated() {
            let increment = spending.spent(total, at: t) - spending.spent(total, at: k == 0 ? 0 : fractions[k - 1])
            let bound: Double
            if increment <= 1e-15 {
                bound = .infinity
            } else if let d = density {
                let f = { (u: Double) in d.exceedance(u, at: t, drift: 0) - increment }
                let lo = -range, hi = 40.0
                let flo = f(lo), fhi = f(hi)
                bound = flo <= 0 ? -.infinity : RootFinding.zeroin(f, lo, hi, fa: flo, fb: fhi, tolerance: 1e-10)
            } else {
                bound = -NormalDistribution.quantile(increment)
            }
            bounds.append(bound)
            if k < fractions.count - 1 { density = (density ?? Density.start()).advance(to: t, upper: bound, drift: 0) }
        }
        return bounds
    }

    /// P(first crossing of the upper boundary at look k) for each look, when the drift is `drift`
    /// (η = θ·√I_max): the error actually spent per look, or the power against θ.
    public static func crossingProbabilities(fractions: [Double], upper: [Double], drift: Double = 0) throws -> [Double] {
        try check(fractions)
        guard upper.count == fractions.count else {
            throw StatsError.lengthMismatch(first: fractions.count, second: upper.count)
        }
        var out: [Double] = []
        var density = Density.start()
        for (k, t) in fractions.enumerated() {
            out.append(density.exceedance(upper[k], at: t, drift: drift))
            density = density.advance(to: t, upper: upper[k], drift: drift)
        }
        return out
    }

    static func check(_ fractions: [Double]) throws {
        guard !fractions.isEmpty else { throw StatsError.notEnoughData(name: "The information fractions", needed: 1, got: 0) }
        var last = 0.0
        for t in fractions {
            guard t.isFinite, t > last, t <= 1 else {
                throw StatsError.invalidParameter("Information fractions must increase strictly within (0, 1], got \(fractions.map { $0.formatted() }.joined(separator: ", ")).")
            }
            last = t
        }
    }

    /// The sub-density of Z at the last look on the paths that have not crossed: grid points and
    /// density × Simpson weight. Before the first look it is a point mass at S(0) = 0.
    struct Density {
        var t: Double
        var points: [Double]
        var weighted: [Double]

        static func start() -> Density { Density(t: 0, points: [0], weighted: [1]) }

        /// P(Z at fraction `t` ≥ u, no earlier crossing).
        func exceedance(_ u: Double, at t: Double, drift: Double) -> Double {
            if u == .infinity { return 0 }
            let dt = t - self.t, sd = dt.squareRoot(), st = t.squareRoot(), sp = self.t.squareRoot()
            var p = 0.0
            for (y, w) in zip(points, weighted) where w != 0 {
                p += w * NormalDistribution.sf((u * st - y * sp - drift * dt) / sd)
            }
            return p
        }

        /// The sub-density at fraction `t` of the paths still below `upper` there.
        func advance(to t: Double, upper: Double, drift: Double) -> Density {
            let mean = drift * t.squareRoot()
            let low = mean - GroupSequential.range
            let high = min(upper, mean + GroupSequential.range)
            guard high > low else { return Density(t: t, points: [low], weighted: [0]) }
            var intervals = Int(((high - low) / GroupSequential.step).rounded(.up))
            intervals = max(2, intervals + intervals % 2)
            let h = (high - low) / Double(intervals)
            let dt = t - self.t, sd = dt.squareRoot(), st = t.squareRoot(), sp = self.t.squareRoot()
            var points = [Double](repeating: 0, count: intervals + 1)
            var weighted = [Double](repeating: 0, count: intervals + 1)
            let norm = st / sd / (2 * Double.pi).squareRoot()
            for i in 0...intervals {
                let z = low + Double(i) * h
                points[i] = z
                var f = 0.0
                for (y, w) in zip(self.points, self.weighted) where w != 0 {
                    let x = (z * st - y * sp - drift * dt) / sd
                    f += w * exp(-0.5 * x * x)
                }
                let simpson = (i == 0 || i == intervals) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
                weighted[i] = f * norm * simpson * h / 3
            }
            return Density(t: t, points: points, weighted: weighted)
        }
    }
}
