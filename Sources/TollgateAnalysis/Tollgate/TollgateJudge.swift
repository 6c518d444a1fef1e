import Foundation
import TollgateCore
import TollgateStats

/// Tollgate's default judge: per metric, the interval suited to its kind (Hodges–Lehmann for
/// location, bootstrap for tail quantiles, Newcombe for rates, paired intervals for eval scores),
/// compared with the tolerance on the bad side; then a weighted score and a decision (see `Scoring`).
/// Deterministic for the same data and seed.
public struct TollgateJudge: Judge {
    public var settings: JudgeSettings

    public init(settings: JudgeSettings = JudgeSettings()) {
        self.settings = settings
    }

    public func judge(criteria: [MetricCriterion], data: [String: MetricSamples]) throws -> Verdict {
        try Self.judge(criteria: criteria, data: data, settings: settings)
    }

    /// Judges every criterion on its samples (keyed by metric name).
    public static func judge(criteria: [MetricCriterion], data: [String: MetricSamples],
                             settings: JudgeSettings = JudgeSettings()) throws -> Verdict {
        try settings.validate()
        try Scoring.checkCriteria(criteria, data: data)
        var verdicts: [MetricVerdict] = []
        for criterion in criteria {
            verdicts.append(try evaluate(criterion, data[criterion.name]!, settings: settings))
        }
        return Scoring.verdict(judge: "tollgate", metrics: verdicts, settings: settings)
    }

    /// The verdict of one metric.
    public static func evaluate(_ criterion: MetricCriterion, _ samples: MetricSamples,
                                settings: JudgeSettings = JudgeSettings()) throws -> MetricVerdict {
        try checkFinite(criterion.name, samples)
        let counts = (samples.baseline.count, samples.candidate.count)
        if criterion.kind.isPaired && samples.baseline.count != samples.candidate.count {
            throw StatsError.lengthMismatch(first: samples.baseline.count, second: samples.candidate.count)
        }
        let needed = minimumPerArm(criterion.kind)
        if counts.0 < needed || counts.1 < needed {
            return Classification.nodata(criterion, counts: counts, confidence: settings.confidence, needed: needed)
        }
        let estimate = try interval(criterion, samples, settings: settings)
        let allowance = criterion.tolerance.allowance(baseline: estimate.reference)
        return Classification.classify(estimate, criterion: criterion, allowance: allowance,
                                       confidence: settings.confidence, counts: counts)
    }

    static func minimumPerArm(_ kind: MetricKind) -> Int {
        switch kind {
        case .location, .rate: return 1
        default: return 2
        }
    }

    static func checkFinite(_ name: String, _ s: MetricSamples) throws {
        if s.baseline.contains(where: { !$0.isFinite }) { throw StatsError.nonFiniteInput(name: "The baseline of \(name)") }
        if s.candidate.contains(where: { !$0.isFinite }) { throw StatsError.nonFiniteInput(name: "The candidate of \(name)") }
    }

    static func interval(_ c: MetricCriterion, _ s: MetricSamples, settings: JudgeSettings) throws -> IntervalEstimate {
        let perArm = min(s.baseline.count, s.candidate.count)
        switch c.kind {
        case .location:
            let (mw, hl) = try HodgesLehmann.testAndShift(s.candidate, s.baseline, confidence: settings.confidence)
            let mb = Descriptive.median(s.baseline), mc = Descriptive.median(s.candidate)
            return IntervalEstimate(method: hl.method, baselineValue: mb, candidateValue: mc, reference: mb,
                                    estimate: hl.estimate!, low: hl.ciLow!, high: hl.ciHigh!, pValue: mw.pValue, perArm: perArm)
        case .p50, .p90, .p95, .p99:
            let q = c.kind.quantile!
            let boot = try Bootstrap.interval(baseline: s.baseline, candidate: s.candidate, statistic: .quantile(q),
                                              confidence: settings.confidence, resamples: settings.bootstrapResamples,
                                              seed: settings.seed, method: .bca)
            let qb = boot.details["baseline_statistic"]!, qc = boot.details["candidate_statistic"]!
            return IntervalEstimate(method: boot.method, baselineValue: qb, candidateValue: qc, reference: qb,
                                    estimate: boot.estimate!, low: boot.ciLow!, high: boot.ciHigh!, pValue: nil, perArm: perArm)
        case .rate:
            let xb = s.baseline.filter { $0 != 0 }.count, xc = s.candidate.filter { $0 != 0 }.count
            let r = try ProportionDifference.test(xc, s.candidate.count, xb, s.baseline.count, confidence: settings.confidence)
            let pb = Double(xb) / Double(s.baseline.count), pc = Double(xc) / Double(s.candidate.count)
            return IntervalEstimate(method: r.method, baselineValue: pb, candidateValue: pc, reference: pb,
                                    estimate: r.estimate!, low: r.ciLow!, high: r.ciHigh!, pValue: r.pValue, perArm: perArm)
        case .pairedBinary:
            // Pass/fail per case: Newcombe's paired interval (``PairedProportionInterval``), the one
            // the eval's quality comparison uses, with McNemar's exact test.
            let pairs = zip(s.baseline, s.candidate)
            let a = pairs.filter { $0 != 0 && $1 != 0 }.count, b = pairs.filter { $0 != 0 && $1 == 0 }.count
            let cc = pairs.filter { $0 == 0 && $1 != 0 }.count, d = pairs.filter { $0 == 0 && $1 == 0 }.count
            let ci = PairedProportionInterval.newcombe(bothPass: a, onlyBaseline: b, onlyCandidate: cc, neither: d,
                                                       confidence: settings.confidence)
            let pb = Double(a + b) / Double(perArm)
            return IntervalEstimate(method: "newcombe-paired+mcnemar-exact", baselineValue: pb, candidateValue: Double(a + cc) / Double(perArm),
                                    reference: pb, estimate: ci.estimate, low: ci.low, high: ci.high,
                                    pValue: try McNemar.test(b: b, c: cc).pValue, perArm: perArm)
        case .pairedScore:
            let diffs = zip(s.candidate, s.baseline).map { $0 - $1 }
            let n = Double(diffs.count)
            let mean = Descriptive.mean(diffs)
            let se = (Descriptive.variance(diffs) / n).squareRoot()
            let q = BetaFunctions.studentTQuantile(1 - (1 - settings.confidence) / 2, df: n - 1)
            let p = diffs.contains(where: { $0 != 0 }) ? try WilcoxonSignedRank.test(differences: diffs).pValue : 1
            let mb = Descriptive.mean(s.baseline)
            return IntervalEstimate(method: "paired-t-interval+wilcoxon", baselineValue: mb, candidateValue: Descriptive.mean(s.candidate),
                                    reference: mb, estimate: mean, low: mean - q * se, high: mean + q * se,
                                    pValue: p, perArm: perArm)
        }
    }
}
