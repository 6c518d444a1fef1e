import Foundation
import TollgateCore
import TollgateStats

/// The verdict of a quality comparison, in the judge's vocabulary.
public enum QualityDecision: String, Sendable, Codable, Equatable {
    /// Non-inferior: the interval of the pass-rate difference lies above −max_drop.
    case pass
    /// Inconclusive: neither shown non-inferior nor shown worse.
    case marginal
    /// Worse: the whole interval lies below −max_drop, or McNemar finds the candidate significantly
    /// worse and the estimated drop exceeds max_drop.
    case fail
}

/// A case's result on one arm, aggregated over repetitions.
public struct PairedCase: Sendable, Equatable, Codable {
    public var caseID: String
    public var tags: [String]
    /// Fraction of repetitions that passed, and the mean score, per arm.
    public var baselinePassRate: Double
    public var candidatePassRate: Double
    public var baselineScore: Double
    public var candidateScore: Double
    /// Passes "overall" when it passed in more than half of its repetitions.
    public var baselinePassed: Bool { baselinePassRate > 0.5 }
    public var candidatePassed: Bool { candidatePassRate > 0.5 }
}

/// Per-tag breakdown: the pass rates of the cases carrying a tag and McNemar's p-value, Holm-adjusted
/// across tags.
public struct TagComparison: Sendable, Equatable, Codable {
    public var tag: String
    public var cases: Int
    public var baselinePassRate: Double
    public var candidatePassRate: Double
    public var pValue: Double
    public var adjustedPValue: Double
    public var significant: Bool
}

/// The baseline compared with itself across repetitions (`--repeat N`, N ≥ 2): how much its pass
/// rate moves when nothing changed.
public struct NoiseEstimate: Sendable, Equatable, Codable {
    public var repetitions: Int
    /// Pass-rate difference of each consecutive pair of baseline repetitions.
    public var passRateDifferences: [Double]
    /// How far nondeterminism alone moves the pass rate: the largest, over consecutive baseline
    /// repetitions, of |A/A difference| + z·√(b + c)/n (b + c the cases that flipped; √(b + c)/n is
    /// the standard error of a paired difference under McNemar's null). A candidate difference
    /// within it is noise.
    public var band: Double
    /// Fraction of cases whose pass/fail flipped between consecutive baseline repetitions.
    public var discordantRate: Double
    /// Smallest McNemar p-value among the A/A pairs.
    public var minPValue: Double
}

/// The paired comparison of baseline and candidate on the same cases, with its verdict.
public struct QualityComparison: Sendable, Equatable, Codable {
    public var cases: Int
    public var baselinePassRate: Double
    public var candidatePassRate: Double
    /// Candidate minus baseline pass rate, with its Newcombe paired interval.
    public var difference: Double
    public var differenceLow: Double
    public var differenceHigh: Double
    public var confidence: Double
    /// Non-inferiority margin as a proportion (2pp → 0.02).
    public var margin: Double
    /// McNemar's exact test on overall pass/fail: discordant pairs and p-value.
    public var onlyBaselinePassed: Int
    public var onlyCandidatePassed: Int
    public var mcnemarPValue: Double
    /// Wilcoxon signed-rank on mean scores (candidate − baseline); `nil` when every pair is equal.
    public var wilcoxonPValue: Double?
    public var meanScoreDifference: Double
    public var tags: [TagComparison]
    public var noise: NoiseEstimate?
    /// Whether the candidate's difference is within the baseline's own nondeterminism.
    public var withinNoise: Bool
    public var decision: QualityDecision
    /// Sentences explaining the decision.
    public var reasons: [String]
}

/// Computes ``QualityComparison``s from scored cases.
public enum QualityComparator {
    /// Compares `scores` (every case × arm × repetition) of the cases in `cases`.
    public static func compare(cases: [EvalCase], scores: [CaseScore], margin: Double,
                               confidence: Double = 0.95) throws(EvalError) -> QualityComparison {
        let alpha = 1 - confidence
        var byKey: [String: [CaseScore]] = [:]
        for s in scores { byKey["\(s.arm.rawValue)/\(s.caseID)", default: []].append(s) }
        var paired: [PairedCase] = []
        for c in cases {
            guard let base = byKey["baseline/\(c.id)"], let cand = byKey["candidate/\(c.id)"], !base.isEmpty, !cand.isEmpty else { continue }
            paired.append(PairedCase(
                caseID: c.id, tags: c.tags,
                baselinePassRate: Double(base.filter(\.passed).count) / Double(base.count),
                candidatePassRate: Double(cand.filter(\.passed).count) / Double(cand.count),
                baselineScore: base.map(\.score).reduce(0, +) / Double(base.count),
                candidateScore: cand.map(\.score).reduce(0, +) / Double(cand.count)))
        }
        guard !paired.isEmpty else { throw .notEnoughData("no case was answered by both versions.") }
        let table = Self.table(paired)
        let interval = PairedProportionInterval.newcombe(bothPass: table.a, onlyBaseline: table.b, onlyCandidate: table.c,
                                                         neither: table.d, confidence: confidence)
        let mcnemar = (try? McNemar.test(b: table.b, c: table.c).pValue) ?? 1
        let diffs = paired.map { $0.candidateScore - $0.baselineScore }
        let wilcoxon = diffs.contains(where: { $0 != 0 }) ? (try? WilcoxonSignedRank.test(differences: diffs))?.pValue : nil
        let n = Double(paired.count)
        let baseRate = Double(table.a + table.b) / n, candRate = Double(table.a + table.c) / n
        let tags = tagBreakdown(paired, alpha: alpha)
        let noise = noiseEstimate(scores: scores, cases: cases, confidence: confidence)
        let withinNoise = noise.map { abs(interval.estimate) <= $0.band } ?? false

        var reasons: [String] = []
        let pct = { (v: Double) in String(format: "%+.1fpp", v * 100) }
        let span = "\(pct(interval.estimate)) [\(pct(interval.low)), \(pct(interval.high))]"
        let decision: QualityDecision
        if interval.low >= -margin {
            decision = .pass
            reasons.append("Pass-rate difference \(span) lies above −\(String(format: "%.1f", margin * 100))pp: the candidate is non-inferior.")
        } else if interval.high < -margin || (mcnemar < alpha && table.b > table.c && interval.estimate < -margin) {
            decision = .fail
            reasons.append("Pass-rate difference \(span) shows the candidate worse by more than \(String(format: "%.1f", margin * 100))pp (McNemar p = \(String(format: "%.4g", mcnemar)), \(table.b) cases lost, \(table.c) gained).")
        } else {
            decision = .marginal
            reasons.append("Pass-rate difference \(span) neither excludes a drop beyond \(String(format: "%.1f", margin * 100))pp nor shows one; more cases would decide.")
        }
        if let noise, withinNoise {
            reasons.append("The difference is within the baseline's own repetition noise (±\(String(format: "%.1f", noise.band * 100))pp).")
        }
        for t in tags where t.significant {
            reasons.append("Tag '\(t.tag)': \(String(format: "%.0f%% → %.0f%%", t.baselinePassRate * 100, t.candidatePassRate * 100)) (Holm-adjusted p = \(String(format: "%.3g", t.adjustedPValue))).")
        }
        return QualityComparison(
            cases: paired.count, baselinePassRate: baseRate, candidatePassRate: candRate,
            difference: interval.estimate, differenceLow: interval.low, differenceHigh: interval.high, confidence: confidence,
            margin: margin, onlyBaselinePassed: table.b, onlyCandidatePassed: table.c, mcnemarPValue: mcnemar,
            wilcoxonPValue: wilcoxon, meanScoreDifference: diffs.reduce(0, +) / n, tags: tags, noise: noise,
            withinNoise: withinNoise, decision: decision, reasons: reasons)
    }

    static func table(_ paired: [PairedCase]) -> (a: Int, b: Int, c: Int, d: Int) {
        var a = 0, b = 0, c = 0, d = 0
        for p in paired {
            switch (p.baselinePassed, p.candidatePassed) {
            case (true, true): a += 1
            case (true, false): b += 1
            case (false, true): c += 1
            case (false, false): d += 1
            }
        }
        return (a, b, c, d)
    }

    static func tagBreakdown(_ paired: [PairedCase], alpha: Double) -> [TagComparison] {
        let allTags = Set(paired.flatMap(\.tags)).sorted()
        var rows: [TagComparison] = []
        for tag in allTags {
            let subset = paired.filter { $0.tags.contains(tag) }
            let t = table(subset)
            let p = (try? McNemar.test(b: t.b, c: t.c).pValue) ?? 1
            let n = Double(subset.count)
            rows.append(TagComparison(tag: tag, cases: subset.count, baselinePassRate: Double(t.a + t.b) / n,
                                      candidatePassRate: Double(t.a + t.c) / n, pValue: p, adjustedPValue: p, significant: false))
        }
        if let adjusted = try? MultipleTesting.adjust(rows.map(\.pValue), method: .holm) {
            for i in rows.indices {
                rows[i].adjustedPValue = adjusted[i]
                rows[i].significant = adjusted[i] < alpha
            }
        }
        return rows
    }

    /// The baseline against itself: consecutive repetitions compared case by case.
    static func noiseEstimate(scores: [CaseScore], cases: [EvalCase], confidence: Double = 0.95) -> NoiseEstimate? {
        let z = NormalDistribution.quantile(1 - (1 - confidence) / 2)
        let baseline = scores.filter { $0.arm == .baseline }
        let reps = Set(baseline.map(\.repetition)).sorted()
        guard reps.count >= 2 else { return nil }
        var passed: [Int: [String: Bool]] = [:]
        for s in baseline { passed[s.repetition, default: [:]][s.caseID] = s.passed }
        var diffs: [Double] = [], bands: [Double] = [], discordant = 0, compared = 0, minP = 1.0
        for (r1, r2) in zip(reps, reps.dropFirst()) {
            var b = 0, c = 0, n = 0, p1 = 0, p2 = 0
            for id in cases.map(\.id) {
                guard let x = passed[r1]?[id], let y = passed[r2]?[id] else { continue }
                n += 1
                if x { p1 += 1 }
                if y { p2 += 1 }
                if x && !y { b += 1 } else if !x && y { c += 1 }
            }
            guard n > 0 else { continue }
            diffs.append(Double(p2 - p1) / Double(n))
            bands.append(abs(Double(p2 - p1)) / Double(n) + z * Double(b + c).squareRoot() / Double(n))
            discordant += b + c
            compared += n
            minP = min(minP, (try? McNemar.test(b: b, c: c).pValue) ?? 1)
        }
        guard !diffs.isEmpty else { return nil }
        return NoiseEstimate(repetitions: reps.count, passRateDifferences: diffs, band: bands.max() ?? 0,
                             discordantRate: compared > 0 ? Double(discordant) / Double(compared) : 0, minPValue: minP)
    }
}
