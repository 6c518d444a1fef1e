import Foundation
import TollgateCore
import TollgateStats

/// The always-valid judge (`always-valid`), for stages without a planned horizon: the same
/// classification and scoring as ``TollgateJudge``, but every interval is an always-valid
/// confidence sequence (``ConfidenceSequence``), so judging after every batch keeps the
/// false-rollback rate at 1 − confidence however often it looks, for ever. Stateless: pass all
/// samples collected so far at each look. Canary stages with a horizon use ``GroupSequentialJudge``,
/// which decides with far fewer samples.
///
/// Intervals: latency kinds (location and quantiles) use the difference of mean log values, i.e. the
/// log of the candidate/baseline ratio, against log(1 + tolerance) (an absolute tolerance is first
/// turned into a ratio of the baseline's geometric mean); rates use the difference of proportions;
/// paired kinds the difference of means. The mixing scale τ is tuned to the horizon (samples per arm)
/// the sequence is used at: the τ whose boundary is narrowest there
/// (``ConfidenceSequence/mixingSD(varianceAtHorizon:confidence:)``), with the estimate's variance at
/// the horizon extrapolated as V·n/horizon.
public struct AlwaysValidJudge: Judge {
    /// The samples per arm the sequences are tuned to.
    public var horizon: Int
    public var settings: JudgeSettings

    public init(horizon: Int, settings: JudgeSettings = JudgeSettings()) {
        self.horizon = horizon
        self.settings = settings
    }

    public func judge(criteria: [MetricCriterion], data: [String: MetricSamples]) throws -> Verdict {
        try Self.judge(criteria: criteria, data: data, horizon: horizon, settings: settings)
    }

    public static func judge(criteria: [MetricCriterion], data: [String: MetricSamples], horizon: Int,
                             settings: JudgeSettings = JudgeSettings()) throws -> Verdict {
        try settings.validate()
        try Scoring.checkCriteria(criteria, data: data)
        guard horizon >= 2 else {
            throw AnalysisError.invalidSetting("The always-valid judge tunes its mixing scale to a horizon of at least 2 samples per arm, got \(horizon).")
        }
        var verdicts: [MetricVerdict] = []
        for criterion in criteria {
            verdicts.append(try evaluate(criterion, data[criterion.name]!, horizon: horizon, settings: settings))
        }
        return Scoring.verdict(judge: "always-valid", metrics: verdicts, settings: settings)
    }

    /// τ for an estimate of variance `variance` from `perArm` samples per arm, used up to `horizon`.
    static func tau(variance: Double, perArm: Int, horizon: Int, confidence: Double) -> Double {
        let v = max(variance, 1e-18) * Double(perArm) / Double(max(horizon, perArm))
        return ConfidenceSequence.mixingSD(varianceAtHorizon: v, confidence: confidence)
    }

    public static func evaluate(_ criterion: MetricCriterion, _ samples: MetricSamples, horizon: Int,
                                settings: JudgeSettings = JudgeSettings()) throws -> MetricVerdict {
        try TollgateJudge.checkFinite(criterion.name, samples)
        let counts = (samples.baseline.count, samples.candidate.count)
        if counts.0 < 2 || counts.1 < 2 {
            return Classification.nodata(criterion, counts: counts, confidence: settings.confidence, needed: 2)
        }
        let perArm = min(counts.0, counts.1)
        switch criterion.kind {
        case .location, .p50, .p90, .p95, .p99:
            guard !samples.baseline.contains(where: { $0 <= 0 }), !samples.candidate.contains(where: { $0 <= 0 }) else {
                throw StatsError.invalidParameter("The sequential judge compares \(criterion.name) on a log scale and needs positive values; found zero or negative ones.")
            }
            let logB = samples.baseline.map { log($0) }, logC = samples.candidate.map { log($0) }
            let gmB = exp(Descriptive.mean(logB)), gmC = exp(Descriptive.mean(logC))
            let allowance = GroupSequentialJudge.logAllowance(criterion, reference: gmB)
            let variance = Descriptive.variance(logB) / Double(counts.0) + Descriptive.variance(logC) / Double(counts.1)
            let tau = Self.tau(variance: variance, perArm: perArm, horizon: horizon, confidence: settings.confidence)
            let cs = try ConfidenceSequence.meanDifference(baseline: logB, candidate: logC, confidence: settings.confidence,
                                                           mixingSD: tau, method: "confidence-sequence-log-ratio")
            let e = IntervalEstimate(method: cs.method, baselineValue: gmB, candidateValue: gmC, reference: gmB,
                                     estimate: cs.estimate!, low: cs.ciLow!, high: cs.ciHigh!, pValue: cs.pValue,
                                     perArm: perArm, widthExponent: 0.45)
            return Classification.classify(e, criterion: criterion, allowance: allowance, confidence: settings.confidence,
                                           counts: counts, unitNote: " on the log-ratio scale")
        case .rate:
            let xb = samples.baseline.filter { $0 != 0 }.count, xc = samples.candidate.filter { $0 != 0 }.count
            let pb = Double(xb) / Double(counts.0), pc = Double(xc) / Double(counts.1)
            let allowance = criterion.tolerance.allowance(baseline: pb)
            let cs0 = try ConfidenceSequence.proportionDifference(baselineEvents: xb, baselineTrials: counts.0,
                                                                  candidateEvents: xc, candidateTrials: counts.1,
                                                                  confidence: settings.confidence, mixingSD: 1)
            let tau = Self.tau(variance: cs0.details["variance"]!, perArm: perArm, horizon: horizon, confidence: settings.confidence)
            let cs = try ConfidenceSequence.proportionDifference(baselineEvents: xb, baselineTrials: counts.0,
                                                                 candidateEvents: xc, candidateTrials: counts.1,
                                                                 confidence: settings.confidence, mixingSD: tau)
            let e = IntervalEstimate(method: cs.method, baselineValue: pb, candidateValue: pc, reference: pb,
                                     estimate: cs.estimate!, low: cs.ciLow!, high: cs.ciHigh!, pValue: cs.pValue,
                                     perArm: perArm, widthExponent: 0.45)
            return Classification.classify(e, criterion: criterion, allowance: allowance, confidence: settings.confidence, counts: counts)
        case .pairedScore, .pairedBinary:
            let mb = Descriptive.mean(samples.baseline)
            let allowance = criterion.tolerance.allowance(baseline: mb)
            let variance = Descriptive.variance(samples.baseline) / Double(counts.0) + Descriptive.variance(samples.candidate) / Double(counts.1)
            let cs = try ConfidenceSequence.meanDifference(baseline: samples.baseline, candidate: samples.candidate,
                                                           confidence: settings.confidence,
                                                           mixingSD: Self.tau(variance: variance, perArm: perArm, horizon: horizon,
                                                                              confidence: settings.confidence),
                                                           method: "confidence-sequence-mean")
            let e = IntervalEstimate(method: cs.method, baselineValue: mb, candidateValue: Descriptive.mean(samples.candidate),
                                     reference: mb, estimate: cs.estimate!, low: cs.ciLow!, high: cs.ciHigh!,
                                     pValue: cs.pValue, perArm: perArm, widthExponent: 0.45)
            return Classification.classify(e, criterion: criterion, allowance: allowance, confidence: settings.confidence, counts: counts)
        }
    }
}
