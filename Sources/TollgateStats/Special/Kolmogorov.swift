import Foundation

/// Distributions of the Kolmogorov–Smirnov statistic: the one-sided Smirnov distribution (exact
/// Birnbaum–Tingey sum) and the two-sided one-sample distribution of Dₙ following the case split
/// of Simard & L'Ecuyer (2011) as scipy's `kolmogn` does.
enum Kolmogorov {
    /// P(Dₙ⁺ ≥ x), exact (Birnbaum & Tingey 1951), summed in log space.
    static func smirnovSF(n: Int, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        if x >= 1 { return 0 }
        let nd = Double(n)
        let jmax = Int((nd * (1 - x)).rounded(.down))
        var sum = 0.0
        for j in 0...jmax {
            let jd = Double(j)
            let a = 1 - x - jd / nd
            let b = x + jd / nd
            if a <= 0 && j < n { continue }
            var logTerm = GammaFunctions.logBinomial(nd, jd) + (jd - 1) * log(b)
            if nd - jd > 0 { logTerm += (nd - jd) * log(a) }
            sum += exp(logTerm)
        }
        return min(1, max(0, x * sum))
    }

    /// P(Dₙ ≥ x) for the two-sided one-sample statistic.
    static func twoSidedSF(n: Int, _ x: Double) -> Double {
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {
            if t <= 0.5 { return 1 }
            // Ruben–Gambino: P(Dₙ ≤ x) = n!/nⁿ (2t − 1)ⁿ.
            let logCDF = lgamma(nd + 1) - nd * log(nd) + nd * log(2 * t - 1)
            return 1 - exp(logCDF)
        }
        if t >= nd - 1 { return 2 * pow(1 - x, nd) }
        if x >= 0.5 { return 2 * smirnovSF(n: n, x) }
        let nxx = t * x
        if nxx >= 370 { return 0 }
        if nxx >= 2.2 { return min(1, 2 * smirnovSF(n: n, x)) }
        return 1 - pelzGoodCDF(n: nd, x)
    }

    /// The Pelz–Good (1976) expansion of P(Dₙ ≤ x) to order n^(-3/2).
    static func pelzGoodCDF(n: Double, _ x: Double) -> Double {
        let z = n.squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = exp(qlog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4
        var k = [0.0, 0.0, 0.0, 0.0]
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        let sqrt2pi = (2 * Double.pi).squareRoot()
        if maxk >= 1 {
            for kk in stride(from: maxk, through: 1, by: -1) {
                let m = Double(2 * kk - 1)
                let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
                let qpower = pow(q, Double(8 * kk))
                let coeffs = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
                for i in 0..<4 { k[i] = k[i] * qpower + coeffs[i] }
            }
        }
        let divisors = [z, 6 * z4, 72 * z4 * z3, 6480 * z4 * z6]
        for i in 0..<4 { k[i] = k[i] * q * sqrt2pi / divisors[i] }
        q = exp(-pi2 / 2 / z2)
        var k2extra = 0.0, k3extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        if maxk >= 1 {
            for kk in stride(from: maxk, through: 1, by: -1) {
                let kd = Double(kk)
                let qp = pow(q, kd * kd)
                k2extra += kd * kd * qp
                let kspi = Double.pi * kd
                k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * kd * kd * qp
            }
        }
        k[2] += k2extra * pi2 * sqrt2pi / (-36 * z3)
        k[3] += k3extra * pi2 * sqrt2pi / (216 * z6)
        var sum = 0.0
        for i in 0..<4 { sum += k[i] / pow(n, Double(i) / 2) }
        return min(1, max(0, sum))
    }
}
