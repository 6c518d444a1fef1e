import Foundation

/// The confidence interval of the difference of two paired proportions (the candidate's pass rate
/// minus the baseline's on the same cases): Newcombe's hybrid score interval for paired data,
/// method 10 of Newcombe (1998), "Improved confidence intervals for the difference between
/// binomial proportions based on paired data", Statistics in Medicine 17:2635–2650. It combines
/// the two Wilson intervals with the phi correlation of the pairs (continuity-corrected when
/// positive), stays inside [−1, 1] and behaves well with few discordant pairs.
///
/// This is the one pass-rate interval: the eval's quality comparison and the judges'
/// `paired_binary` kind both use it. A paired t interval on the 0/±1 differences is wrong for
/// pass/fail data: it collapses to a zero-width interval when every pair agrees (certainty from
/// no evidence), can leave [−1, 1], and under-covers with few discordant pairs.
public enum PairedProportionInterval {
    /// `bothPass`, `onlyBaseline` (baseline passed, candidate failed), `onlyCandidate`, `neither`.
    public static func newcombe(bothPass a: Int, onlyBaseline b: Int, onlyCandidate c: Int, neither d: Int,
                                confidence: Double = 0.95) -> (estimate: Double, low: Double, high: Double) {
        let n = a + b + c + d
        guard n > 0 else { return (0, -1, 1) }
        let nd = Double(n)
        let z = NormalDistribution.quantile(1 - (1 - confidence) / 2)
        let candidatePasses = a + c, baselinePasses = a + b
        let p1 = Double(candidatePasses) / nd, p2 = Double(baselinePasses) / nd
        let (l1, u1) = ProportionDifference.wilson(candidatePasses, n, z: z)
        let (l2, u2) = ProportionDifference.wilson(baselinePasses, n, z: z)
        let denominator = Double(a + b) * Double(c + d) * Double(a + c) * Double(b + d)
        var phi = 0.0
        if denominator > 0 {
            var numerator = Double(a) * Double(d) - Double(b) * Double(c)
            if numerator > 0 { numerator = max(numerator - nd / 2, 0) }
            phi = numerator / denominator.squareRoot()
        }
        let estimate = p1 - p2
        let lowSquared = (p1 - l1) * (p1 - l1) - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) * (u2 - p2)
        let highSquared = (u1 - p1) * (u1 - p1) - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) * (p2 - l2)
        let low = max(-1, estimate - max(lowSquared, 0).squareRoot())
        let high = min(1, estimate + max(highSquared, 0).squareRoot())
        return (estimate, low, high)
    }
}
