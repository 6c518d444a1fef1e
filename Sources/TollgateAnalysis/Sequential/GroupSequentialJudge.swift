import Foundation
public import TollgateCore
public import TollgateStats

/// The plan of a canary stage's group-sequential test: its horizon (planned samples per arm) and
/// the error rates of its two decisions.
public struct SequentialDesign: Codable, Sendable, Equatable {
    /// Planned samples per arm at the horizon (information fraction 1): the stage must decide by then.
    public var maxSamples: Int
    /// Error rate of `rollback`: the chance of rolling back a candidate no worse than the baseline
    /// (split over the metrics, Bonferroni).
    public var alpha: Double
    /// Error rate of `promote`: the chance of promoting a candidate that is worse by exactly the tolerance
    /// (per metric; promotion needs every metric, so no split is needed).
    public var beta: Double
    /// How α and β are spent over the information fraction.
    public var spending: SpendingFunction

    public init(maxSamples: Int, alpha: Double = 0.05, beta: Double = 0.05, spending: SpendingFunction = .pocock) {
        self.maxSamples = maxSamples
        self.alpha = alpha
        self.beta = beta
        self.spending = spending
    }

    func validate() throws {
        guard maxSamples >= 2 else {
            throw AnalysisError.invalidSetting("The horizon (max samples per arm) must be at least 2, got \(maxSamples).")
        }
        guard alpha > 0, alpha < 0.5, beta > 0, beta < 0.5 else {
            throw AnalysisError.invalidSetting("alpha and beta must lie strictly between 0 and 0.5, got alpha \(alpha) and beta \(beta).")
        }
    }
}

/// The group-sequential numbers of one metric at one look, as a statistician would ask for them.
public struct SequentialLook: Codable, Sendable, Equatable {
    /// This look's number (looks without new samples are not counted) and the planned number of
    /// looks at the pace so far.
    public var look: Int
    public var plannedLooks: Int
    /// Samples per arm so far over the horizon (capped at 1).
    public var informationFraction: Double
    /// The z statistic against "no difference", positive when the candidate is worse.
    public var z: Double
    /// Rollback when `z` ≥ this (on the same scale; +∞ when nothing may be spent yet).
    public var rollbackBoundary: Double
    /// Promote when `z` ≤ this: the non-inferiority boundary at the tolerance on the z scale.
    public var promoteBoundary: Double
    /// α of this metric spent by this look, and β spent by this look.
    public var alphaSpent: Double
    public var betaSpent: Double
    /// True at the horizon, where the decision is forced (rollback at or above the rollback boundary,
    /// otherwise promote).
    public var forced: Bool

    enum CodingKeys: String, CodingKey {
        case look, z, forced
        case plannedLooks = "planned_looks"
        case informationFraction = "information_fraction"
        case rollbackBoundary = "rollback_boundary"
        case promoteBoundary = "promote_boundary"
        case alphaSpent = "alpha_spent"
        case betaSpent = "beta_spent"
    }
}

/// How the sequential judge compares latency-like metrics.
public enum LatencyScale: String, Codable, Sendable, CaseIterable {
    /// Welch z of the difference of mean log values (the log of the ratio of geometric means).
    case log
    /// Mann–Whitney z (ranks; for heavy tails), with the tolerance applied by scaling the candidate.
    case rank
}

/// Tollgate's judge for canary stages: a group-sequential test with Lan–DeMets error spending over
/// the information fraction (samples per arm so far / the stage's planned samples per arm), with
/// two decisions per metric:
///
/// - **rollback** when the candidate is shown worse than the baseline: z ≥ u_k, where u_k spends
///   α/m (m = metrics judged sequentially, Bonferroni, so the family-wise false-rollback rate is ≤ α);
/// - **promote** when it is shown no worse than the tolerance: z_Δ = (estimate − Δ)/se ≤ −b_k, with
///   b_k spending β (the stage promotes only when every metric does: an intersection–union test,
///   so each metric's false-promote rate is ≤ β without a split).
///
/// Both boundaries are computed as if the other did not exist (both non-binding), so each error
/// rate holds whether or not the other decision is acted on; where they meet, rollback wins at and
/// above u_k and promote below. At the horizon (t = 1) the decision is forced: rollback at or above
/// the rollback boundary, otherwise promote. Looks are whatever the stage took: the boundaries are
/// recomputed from the actual information fractions at every look (irregular batches, a resume).
///
/// Statistics: latencies on the log scale (Welch z of mean log values) or by ranks; quantiles
/// (p50…p99) as the proportion of each arm beyond the pooled quantile on the bad side, against the
/// proportion the baseline would have there if worse by the tolerance; rates as a difference of
/// proportions. Paired eval metrics do not grow during a stage: they are decided once by the
/// fixed-horizon test of ``TollgateJudge`` and count as promote (pass or inconclusive) or rollback (fail).
public struct GroupSequentialJudge: Judge {
    public var design: SequentialDesign
    /// Samples per arm at every look of the stage so far, the current one last.
    public var lookSizes: [Int]
    public var scale: LatencyScale
    public var settings: JudgeSettings

    public init(design: SequentialDesign, lookSizes: [Int], scale: LatencyScale = .log, settings: JudgeSettings = JudgeSettings()) {
        self.design = design
        self.lookSizes = lookSizes
        self.scale = scale
        self.settings = settings
    }

    public func judge(criteria: [MetricCriterion], data: [String: MetricSamples]) throws -> Verdict {
        try Self.judge(criteria: criteria, data: data, design: design, lookSizes: lookSizes, scale: scale, settings: settings)
    }

    /// Judges a look. `lookSizes` are the samples per arm at every look of the stage so far, the
    /// current one last (the engine passes the stage's request counts); looks that add no samples
    /// are dropped.
    public static func judge(criteria: [MetricCriterion], data: [String: MetricSamples], design: SequentialDesign,
                             lookSizes: [Int], scale: LatencyScale = .log,
                             settings: JudgeSettings = JudgeSettings()) throws -> Verdict {
        try settings.validate()
        try design.validate()
        try Scoring.checkCriteria(criteria, data: data)
        let fractions = informationFractions(lookSizes, horizon: design.maxSamples)
        let sequentialCount = max(1, criteria.filter { !$0.kind.isPaired }.count)
        let alpha = design.alpha / Double(sequentialCount)
        let upper = try GroupSequential.upperBoundaries(fractions: fractions, spending: design.spending, total: alpha)
        let promote = try GroupSequential.upperBoundaries(fractions: fractions, spending: design.spending, total: design.beta)
        let t = fractions.last!
        let perLook = Double(design.maxSamples) * t / Double(fractions.count)
        let planned = t >= 1 ? fractions.count
            : fractions.count + Int((Double(design.maxSamples) * (1 - t) / max(perLook, 1)).rounded(.up))
        let context = LookContext(look: fractions.count, plannedLooks: planned, fraction: t,
                                  rollbackBoundary: upper.last!, promoteBoundary: promote.last!,
                                  alphaSpent: design.spending.spent(alpha, at: t),
                                  betaSpent: design.spending.spent(design.beta, at: t), alpha: alpha, forced: t >= 1)
        var verdicts: [MetricVerdict] = []
        for criterion in criteria {
            verdicts.append(try evaluate(criterion, data[criterion.name]!, context: context, scale: scale, settings: settings))
        }
        return decide(verdicts, context: context, settings: settings)
    }

    /// Information fractions of the looks with new samples, capped at 1 (and ending at the first look that reaches it).
    static func informationFractions(_ sizes: [Int], horizon: Int) -> [Double] {
        var out: [Double] = []
        var last = 0
        for n in sizes where n > last {
            last = n
            out.append(min(1, Double(n) / Double(horizon)))
            if out.last == 1 { break }
        }
        return out.isEmpty ? [min(1, 1 / Double(horizon))] : out
    }

    struct LookContext {
        var look: Int
        var plannedLooks: Int
        var fraction: Double
        var rollbackBoundary: Double
        var promoteBoundary: Double
        var alphaSpent: Double
        var betaSpent: Double
        var alpha: Double
        var forced: Bool
    }

    /// A standardised comparison: the estimate (bad direction positive), its standard error and the
    /// allowance Δ on the same scale, plus what the verdict shows.
    struct Comparison {
        var method: String
        var baselineValue: Double
        var candidateValue: Double
        var estimate: Double
        var se: Double
        var allowance: Double
        /// z against no difference and against the tolerance (for ranks they are computed separately).
        var z: Double
        var zAtTolerance: Double
        var unit: String
    }

    static func evaluate(_ criterion: MetricCriterion, _ samples: MetricSamples, context: LookContext,
                         scale: LatencyScale, settings: JudgeSettings) throws -> MetricVerdict {
        if criterion.kind.isPaired { return try decidedOnce(criterion, samples, settings: settings) }
        try TollgateJudge.checkFinite(criterion.name, samples)
        let counts = (samples.baseline.count, samples.candidate.count)
        if counts.0 < 2 || counts.1 < 2 {
            return Classification.nodata(criterion, counts: counts, confidence: 1 - context.alpha, needed: 2)
        }
        let c: Comparison
        switch criterion.kind {
        case .location:
            c = scale == .rank ? try rankComparison(criterion, samples) : try logComparison(criterion, samples)
        case .p50, .p90, .p95, .p99:
            c = quantileComparison(criterion, samples, level: criterion.kind.quantile!)
        default:
            c = rateComparison(criterion, samples)
        }
        let promoteZ = -context.promoteBoundary
        let rollbackCrossed = c.z >= context.rollbackBoundary
        let promoteCrossed = c.zAtTolerance <= promoteZ
        let outcome: MetricOutcome
        if rollbackCrossed { outcome = .fail } else if promoteCrossed || context.forced { outcome = .pass } else { outcome = .inconclusive }
        // The promote boundary on the z scale of "no difference": z ≤ z − z_Δ − b_k.
        let promoteOnZ = c.z - c.zAtTolerance + promoteZ
        let look = SequentialLook(look: context.look, plannedLooks: context.plannedLooks, informationFraction: context.fraction,
                                  z: c.z, rollbackBoundary: context.rollbackBoundary, promoteBoundary: promoteOnZ,
                                  alphaSpent: context.alphaSpent, betaSpent: context.betaSpent, forced: context.forced)
        let numbers = "look \(look.look) of ~\(look.plannedLooks), information fraction \(fmt(look.informationFraction)), z = \(fmt(c.z)), rollback at z ≥ \(fmt(look.rollbackBoundary)), promote at z ≤ \(fmt(promoteOnZ)); α spent \(fmt(look.alphaSpent)), β spent \(fmt(look.betaSpent))"
        var estimateText = "estimate \(fmt(c.estimate))\(c.unit) (tolerance \(criterion.tolerance) = \(fmt(c.allowance))\(c.unit))"
        if c.unit.contains("log") {
            // The same comparison in the metric's own terms, as the shadow stage states it.
            let what = c.method.contains("mann-whitney") ? "median" : "geometric mean"
            let percent = (exp(c.estimate) - 1) * 100
            estimateText = "candidate \(what) \(percent >= 0 ? "+" : "")\(fmt(percent))% vs the baseline's, i.e. " + estimateText
        }
        let sentence: String
        switch outcome {
        case .fail:
            sentence = "\(criterion.name) rolls back: the candidate is shown worse than the baseline (\(estimateText); \(numbers))."
        case .pass where !promoteCrossed:
            sentence = "\(criterion.name) promotes at the horizon: not shown worse by the last look, so the forced decision promotes (\(estimateText); \(numbers))."
        case .pass:
            sentence = "\(criterion.name) promotes: the candidate is shown no worse than the tolerance (\(estimateText); \(numbers))."
        default:
            sentence = "\(criterion.name) continues: neither boundary is crossed (\(estimateText); \(numbers))."
        }
        let ci = NormalDistribution.quantile(1 - context.alpha)
        var verdict = MetricVerdict(metric: criterion.name, outcome: outcome, critical: criterion.critical, weight: criterion.weight,
                                    method: c.method, baselineCount: counts.0, candidateCount: counts.1,
                                    baselineValue: c.baselineValue, candidateValue: c.candidateValue,
                                    estimate: criterion.worse == .higher ? c.estimate : -c.estimate,
                                    ciLow: criterion.worse == .higher ? c.estimate - ci * c.se : -c.estimate - ci * c.se,
                                    ciHigh: criterion.worse == .higher ? c.estimate + ci * c.se : -c.estimate + ci * c.se,
                                    confidence: 1 - context.alpha, tolerance: criterion.tolerance.description,
                                    allowance: c.allowance, pValue: NormalDistribution.sf(c.z), explanation: sentence)
        verdict.sequential = look
        return verdict
    }

    /// Sign that makes "worse" positive.
    static func sign(_ c: MetricCriterion) -> Double { c.worse == .higher ? 1 : -1 }

    static func logComparison(_ criterion: MetricCriterion, _ s: MetricSamples) throws -> Comparison {
        guard !s.baseline.contains(where: { $0 <= 0 }), !s.candidate.contains(where: { $0 <= 0 }) else {
            throw StatsError.invalidParameter("The sequential judge compares \(criterion.name) on a log scale and needs positive values; found zero or negative ones (use a rate or the rank scale).")
        }
        let lb = s.baseline.map { log($0) }, lc = s.candidate.map { log($0) }
        let gmB = exp(Descriptive.mean(lb)), gmC = exp(Descriptive.mean(lc))
        let estimate = sign(criterion) * (Descriptive.mean(lc) - Descriptive.mean(lb))
        let se = max((Descriptive.variance(lb) / Double(lb.count) + Descriptive.variance(lc) / Double(lc.count)).squareRoot(), 1e-12)
        let allowance = logAllowance(criterion, reference: gmB)
        return Comparison(method: "group-sequential-welch-log-mean", baselineValue: gmB, candidateValue: gmC, estimate: estimate,
                          se: se, allowance: allowance, z: estimate / se, zAtTolerance: (estimate - allowance) / se,
                          unit: " on the log-ratio scale")
    }

    /// The tolerance as a log ratio, on the bad side (log(1 + tol) for higher-is-worse).
    static func logAllowance(_ criterion: MetricCriterion, reference: Double) -> Double {
        let ratio = criterion.tolerance.allowance(baseline: reference) / reference
        return criterion.worse == .higher ? log1p(ratio) : -log1p(-min(ratio, 0.999_999))
    }

    static func rankComparison(_ criterion: MetricCriterion, _ s: MetricSamples) throws -> Comparison {
        let mb = Descriptive.median(s.baseline), mc = Descriptive.median(s.candidate)
        let factor = exp(logAllowance(criterion, reference: mb) * sign(criterion))
        let z = sign(criterion) * mannWhitneyZ(s.candidate, s.baseline)
        // Against the tolerance: the candidate brought back by the tolerated ratio.
        let zTol = sign(criterion) * mannWhitneyZ(s.candidate.map { $0 / factor }, s.baseline)
        let estimate = log(mc / mb) * sign(criterion)
        let se = max(abs(z) > 1e-9 ? abs(estimate / z) : 0, 1e-12)
        return Comparison(method: "group-sequential-mann-whitney-z", baselineValue: mb, candidateValue: mc, estimate: estimate,
                          se: se, allowance: log(factor) * sign(criterion), z: z, zAtTolerance: zTol,
                          unit: " (log ratio of medians)")
    }

    /// The Mann–Whitney z of x against y with the tie-corrected variance; positive when x tends to be larger.
    static func mannWhitneyZ(_ x: [Double], _ y: [Double]) -> Double {
        let n1 = Double(x.count), n2 = Double(y.count), n = n1 + n2
        let pooled = (x.map { ($0, 0) } + y.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var rankSumX = 0.0, tieTerm = 0.0
        var i = 0
        while i < pooled.count {
            var j = i
            while j + 1 < pooled.count && pooled[j + 1].0 == pooled[i].0 { j += 1 }
            let rank = Double(i + j + 2) / 2
            let ties = Double(j - i + 1)
            tieTerm += ties * ties * ties - ties
            for k in i...j where pooled[k].1 == 0 { rankSumX += rank }
            i = j + 1
        }
        let u = rankSumX - n1 * (n1 + 1) / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        return variance > 0 ? (u - n1 * n2 / 2) / variance.squareRoot() : 0
    }

    static func quantileComparison(_ criterion: MetricCriterion, _ s: MetricSamples, level: Double) -> Comparison {
        let higher = criterion.worse == .higher
        let q = Descriptive.quantile(s.baseline + s.candidate, level)
        let beyond = { (v: Double) in higher ? v > q : v < q }
        let pb = Double(s.baseline.filter(beyond).count) / Double(s.baseline.count)
        let pc = Double(s.candidate.filter(beyond).count) / Double(s.candidate.count)
        // A candidate worse by the tolerance puts beyond q the baseline's share beyond q moved back by it.
        let qb = Descriptive.quantile(s.baseline, level), qc = Descriptive.quantile(s.candidate, level)
        let shifted = higher ? q - criterion.tolerance.allowance(baseline: qb) : q + criterion.tolerance.allowance(baseline: qb)
        let pShift = Double(s.baseline.filter { higher ? $0 > shifted : $0 < shifted }.count) / Double(s.baseline.count)
        let allowance = max(pShift - pb, 0)
        let se = proportionSE(pb, s.baseline.count, pc, s.candidate.count)
        let estimate = pc - pb
        return Comparison(method: "group-sequential-exceedance-p\(Int((level * 100).rounded()))", baselineValue: qb,
                          candidateValue: qc, estimate: estimate, se: se, allowance: allowance,
                          z: estimate / se, zAtTolerance: (estimate - allowance) / se,
                          unit: " (share beyond the pooled \(fmt(level)) quantile)")
    }

    static func rateComparison(_ criterion: MetricCriterion, _ s: MetricSamples) -> Comparison {
        let pb = Double(s.baseline.filter { $0 != 0 }.count) / Double(s.baseline.count)
        let pc = Double(s.candidate.filter { $0 != 0 }.count) / Double(s.candidate.count)
        let allowance = criterion.tolerance.allowance(baseline: pb)
        let se = proportionSE(pb, s.baseline.count, pc, s.candidate.count)
        let estimate = sign(criterion) * (pc - pb)
        return Comparison(method: "group-sequential-proportion-difference", baselineValue: pb, candidateValue: pc,
                          estimate: estimate, se: se, allowance: allowance, z: estimate / se,
                          zAtTolerance: (estimate - allowance) / se, unit: "")
    }

    /// Unpooled standard error of a difference of proportions, each proportion floored at one event
    /// (and one non-event) in its arm so that "no events anywhere" still has a spread.
    static func proportionSE(_ pb: Double, _ nb: Int, _ pc: Double, _ nc: Int) -> Double {
        func v(_ p: Double, _ n: Int) -> Double {
            let f = min(max(p, 1 / Double(n + 1)), Double(n) / Double(n + 1))
            return f * (1 - f) / Double(n)
        }
        return (v(pb, nb) + v(pc, nc)).squareRoot()
    }

    /// Paired eval metrics: the fixed-horizon verdict of ``TollgateJudge``; inconclusive counts as
    /// pass, because the evidence will not grow during the stage (only a shown drop rolls back).
    static func decidedOnce(_ criterion: MetricCriterion, _ samples: MetricSamples, settings: JudgeSettings) throws -> MetricVerdict {
        var v = try TollgateJudge.evaluate(criterion, samples, settings: settings)
        switch v.outcome {
        case .fail:
            v.explanation = "Decided once, where the suite was evaluated: \(v.explanation)"
        case .pass, .inconclusive:
            v.outcome = .pass
            v.explanation = "Decided once, where the suite was evaluated (the evidence does not grow during the stage), and not shown worse: \(v.explanation)"
            v.samplesNeeded = nil
        case .nodata:
            break
        }
        return v
    }

    /// The stage's decision: rollback when a metric rolls back; promote when every metric with data
    /// promotes (a critical metric without data blocks it until the horizon, where it rolls back);
    /// otherwise continue (hold).
    static func decide(_ metrics: [MetricVerdict], context: LookContext, settings: JudgeSettings) -> Verdict {
        let scored = metrics.filter { $0.outcome != .nodata }
        let total = scored.reduce(0) { $0 + $1.weight }
        let passed = scored.filter { $0.outcome == .pass }.reduce(0) { $0 + $1.weight }
        let score = total > 0 ? 100 * passed / total : 0
        let where_ = "look \(context.look) of ~\(context.plannedLooks), information fraction \(fmt(context.fraction))"
        let decision: Decision
        let reason: String
        if let failed = metrics.first(where: { $0.outcome == .fail }) {
            decision = .rollback
            reason = "\(failed.metric) is shown worse than the baseline at \(where_): roll back."
        } else if let missing = metrics.first(where: { $0.outcome == .nodata && $0.critical }) {
            decision = context.forced ? .rollback : .hold
            reason = context.forced
                ? "Critical metric \(missing.metric) has no data at the horizon (\(where_)), so the candidate cannot be shown good: roll back."
                : "Critical metric \(missing.metric) has no data yet (\(where_)); continue."
        } else if scored.isEmpty {
            decision = context.forced ? .rollback : .hold
            reason = context.forced ? "No metric has data at the horizon: roll back." : "No metric has data yet (\(where_)); continue."
        } else if let open = scored.first(where: { $0.outcome == .inconclusive }) {
            decision = .hold
            reason = "\(open.metric) has crossed neither boundary at \(where_); continue."
        } else {
            decision = .promote
            reason = context.forced && scored.contains(where: { ($0.sequential?.z ?? -.infinity) > ($0.sequential?.promoteBoundary ?? .infinity) })
                ? "The horizon is reached (\(where_)) and no metric is shown worse: the forced decision promotes."
                : "Every metric is shown no worse than its tolerance at \(where_): promote."
        }
        return Verdict(judge: "sequential", decision: decision, score: score, passThreshold: settings.passThreshold,
                       marginalThreshold: settings.marginalThreshold, metrics: metrics, explanation: reason, seed: settings.seed)
    }

    static func fmt(_ v: Double) -> String {
        if v == .infinity { return "∞" }
        if v == -.infinity { return "−∞" }
        return Classification.fmt(v)
    }
}

extension SpendingFunction {
    /// The spending function a pipeline's `analysis.spending` names.
    public init(_ spending: AnalysisConfig.Spending) {
        switch spending {
        case .pocock: self = .pocock
        case .obrienFleming: self = .obrienFleming
        case .power(let rho): self = .power(rho)
        }
    }
}
