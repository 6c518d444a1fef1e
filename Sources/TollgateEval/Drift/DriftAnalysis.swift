import Foundation
public import TollgateCore
import TollgateStats

/// The statistics of a drift suite, on samples already gathered: one test per feature (two-sample
/// Kolmogorov–Smirnov for numbers, chi-square for categories, MMD for embeddings), PSI and
/// Wasserstein as effect measures, a Holm or Benjamini–Hochberg correction across features, and a
/// minimum effect size so that a large window does not flag a trivial shift.
///
/// A feature is drifted when its corrected p-value is below α **and** its effect reaches the
/// suite's `min_effect` for it; a feature without `min_effect` needs PSI ≥ `psi_threshold` instead
/// (embeddings: the corrected p-value alone).
public struct DriftAnalysis: Sendable {
    public var alpha: Double
    public var correction: DriftSuite.Correction
    public var minEffect: [DriftFeature: Tolerance]
    public var psiThreshold: Double
    public var detector: RefusalDetector
    /// Fewer values than this on either side leaves a feature untested.
    public var minimumCount: Int = 10

    public init(alpha: Double = 0.05, correction: DriftSuite.Correction = .holm, minEffect: [DriftFeature: Tolerance] = [:],
                psiThreshold: Double = 0.2, detector: RefusalDetector = RefusalDetector()) {
        self.alpha = alpha
        self.correction = correction
        self.minEffect = minEffect
        self.psiThreshold = psiThreshold
        self.detector = detector
    }

    public init(suite: DriftSuite) {
        self.init(alpha: suite.alpha, correction: suite.correction, minEffect: suite.minEffect, psiThreshold: suite.psiThreshold)
    }

    /// Tests every feature in `features`; `embeddings` gives the answer vectors (reference, current)
    /// when the embeddings feature is asked for.
    public func analyze(features: [DriftFeature], reference: [Sample], current: [Sample],
                        embeddings: (reference: [[Double]], current: [[Double]])? = nil, seed: UInt64 = 1) -> [FeatureDrift] {
        var results: [FeatureDrift] = []
        for feature in features {
            if feature == .embeddings {
                results.append(embeddingDrift(embeddings, seed: seed))
            } else if feature.isCategorical {
                results.append(categoricalDrift(feature, DriftFeatureValues.categories(feature, of: reference, detector: detector),
                                                DriftFeatureValues.categories(feature, of: current, detector: detector)))
            } else {
                results.append(numericDrift(feature, DriftFeatureValues.numbers(feature, of: reference),
                                            DriftFeatureValues.numbers(feature, of: current)))
            }
        }
        let tested = results.indices.filter { results[$0].test != "none" }
        let method: MultipleTesting.Method = correction == .holm ? .holm : .benjaminiHochberg
        if let adjusted = try? MultipleTesting.adjust(tested.map { results[$0].pValue }, method: method) {
            for (i, p) in zip(tested, adjusted) { results[i].adjustedPValue = p }
        }
        for i in tested { decide(&results[i]) }
        return results
    }

    private func decide(_ r: inout FeatureDrift) {
        let significant = r.adjustedPValue < alpha
        let bigEnough: Bool
        let sizeText: String
        if let m = r.minEffect {
            bigEnough = r.effect >= m
            sizeText = r.feature.isCategorical ? String(format: "largest share change %.1fpp (minimum %.1fpp)", r.effect * 100, m * 100)
                                               : String(format: "median change %.1f%% (minimum %.1f%%)", r.effect * 100, m * 100)
        } else if let psi = r.psi {
            bigEnough = psi >= psiThreshold
            sizeText = String(format: "PSI %.3f (threshold %.2f)", psi, psiThreshold)
        } else {
            bigEnough = true
            sizeText = String(format: "MMD² %.4f", r.effect)
        }
        r.drifted = significant && bigEnough
        let pText = String(format: "corrected p = %.3g", r.adjustedPValue)
        if r.drifted { r.note = "Drifted: \(pText) < \(alpha), \(sizeText)." }
        else if significant { r.note = "A significant but small shift (\(pText)); \(sizeText) is below the minimum effect." }
        else { r.note = "No significant shift (\(pText)); \(sizeText)." }
    }

    func numericDrift(_ feature: DriftFeature, _ ref: [Double], _ cur: [Double]) -> FeatureDrift {
        var r = untested(feature, ref.count, cur.count)
        guard ref.count >= minimumCount, cur.count >= minimumCount else { return r }
        let refMedian = Descriptive.median(ref), curMedian = Descriptive.median(cur)
        r.referenceSummary = String(format: "median %.4g (n=%d)", refMedian, ref.count)
        r.currentSummary = String(format: "median %.4g (n=%d)", curMedian, cur.count)
        guard let ks = try? KolmogorovSmirnov.test(ref, cur), let p = ks.pValue else { return r }
        r.test = "ks"
        r.statistic = ks.statistic
        r.pValue = p
        r.adjustedPValue = p
        r.effect = refMedian != 0 ? abs(curMedian - refMedian) / abs(refMedian) : (curMedian == 0 ? 0 : 1)
        if let tol = minEffect[feature] {
            switch tol {
            case .relative(let f): r.minEffect = f
            case .absolute(let v): r.minEffect = refMedian != 0 ? v / abs(refMedian) : v
            case .percentagePoints(let pp): r.minEffect = pp / 100
            }
        }
        r.psi = (try? DriftDistance.psi(baseline: ref, current: cur))?.statistic
        r.wasserstein = (try? DriftDistance.wasserstein(ref, cur))?.statistic
        return r
    }

    func categoricalDrift(_ feature: DriftFeature, _ ref: [String], _ cur: [String]) -> FeatureDrift {
        var r = untested(feature, ref.count, cur.count)
        guard ref.count >= minimumCount, cur.count >= minimumCount else { return r }
        let categories = Set(ref + cur).sorted()
        func shares(_ v: [String]) -> [Double] { categories.map { c in Double(v.filter { $0 == c }.count) / Double(v.count) } }
        let p = shares(ref), q = shares(cur)
        func describe(_ s: [Double]) -> String {
            zip(categories, s).map { "\($0) " + String(format: "%.1f%%", $1 * 100) }.joined(separator: ", ")
        }
        r.referenceSummary = describe(p) + " (n=\(ref.count))"
        r.currentSummary = describe(q) + " (n=\(cur.count))"
        r.test = "chi2"
        r.effect = zip(p, q).map { abs($0 - $1) }.max() ?? 0
        r.psi = DriftDistance.psi(expected: p, actual: q)
        if categories.count < 2 {
            r.statistic = 0
            r.pValue = 1
        } else {
            let rows = [categories.map { c in Double(ref.filter { $0 == c }.count) }, categories.map { c in Double(cur.filter { $0 == c }.count) }]
            let test = try? ChiSquare.test(rows: rows)
            r.statistic = test?.statistic ?? 0
            r.pValue = test?.pValue ?? 1
        }
        r.adjustedPValue = r.pValue
        if let tol = minEffect[feature] {
            switch tol {
            case .percentagePoints(let pp): r.minEffect = pp / 100
            case .relative(let f): r.minEffect = f
            case .absolute(let v): r.minEffect = v
            }
        }
        return r
    }

    func embeddingDrift(_ vectors: (reference: [[Double]], current: [[Double]])?, seed: UInt64) -> FeatureDrift {
        var r = untested(.embeddings, vectors?.reference.count ?? 0, vectors?.current.count ?? 0)
        guard let vectors, vectors.reference.count >= minimumCount, vectors.current.count >= minimumCount,
              let test = try? MaximumMeanDiscrepancy.test(vectors.reference, vectors.current, seed: seed) else { return r }
        r.test = "mmd-permutation"
        r.statistic = test.mmd2
        r.effect = test.mmd2
        r.pValue = test.pValue
        r.adjustedPValue = test.pValue
        if case .absolute(let v)? = minEffect[.embeddings] { r.minEffect = v }
        r.referenceSummary = "\(vectors.reference.count) answers"
        r.currentSummary = "\(vectors.current.count) answers"
        return r
    }

    private func untested(_ feature: DriftFeature, _ nr: Int, _ nc: Int) -> FeatureDrift {
        FeatureDrift(feature: feature, test: "none", referenceCount: nr, currentCount: nc, statistic: 0, pValue: 1,
                     adjustedPValue: 1, effect: 0, minEffect: nil, psi: nil, wasserstein: nil, referenceSummary: "n=\(nr)",
                     currentSummary: "n=\(nc)", drifted: false,
                     note: "Not tested: fewer than \(minimumCount) values on one side (\(nr) reference, \(nc) current).")
    }
}
