import TollgateCore
import TollgateStats

/// One metric as Kayenta's canary config describes it.
public struct KayentaMetricConfig: Codable, Sendable, Equatable {
    public var name: String
    public var groups: [String]
    public var direction: KayentaDirection
    public var critical: Bool
    public var mustHaveData: Bool
    public var nanStrategy: KayentaNaNStrategy
    /// Remove IQR outliers before classifying (Kayenta's `outliers.strategy: remove`; default keep).
    public var removeOutliers: Bool
    public var outlierFactor: Double
    public var effectSizeThresholds: [Double]?
    public var criticalThresholds: [Double]?
    public var effectSizeMeasure: KayentaEffectSize?

    public init(name: String, groups: [String] = [], direction: KayentaDirection = .either, critical: Bool = false,
                mustHaveData: Bool = false, nanStrategy: KayentaNaNStrategy = .remove, removeOutliers: Bool = false,
                outlierFactor: Double = 3.0, effectSizeThresholds: [Double]? = nil, criticalThresholds: [Double]? = nil,
                effectSizeMeasure: KayentaEffectSize? = nil) {
        self.name = name
        self.groups = groups.isEmpty ? [name] : groups
        self.direction = direction
        self.critical = critical
        self.mustHaveData = mustHaveData
        self.nanStrategy = nanStrategy
        self.removeOutliers = removeOutliers
        self.outlierFactor = outlierFactor
        self.effectSizeThresholds = effectSizeThresholds
        self.criticalThresholds = criticalThresholds
        self.effectSizeMeasure = effectSizeMeasure
    }
}

/// Kayenta's judge settings: group weights and the score thresholds.
public struct KayentaJudgeConfig: Codable, Sendable, Equatable {
    public var metrics: [KayentaMetricConfig]
    public var groupWeights: [String: Double]
    public var passThreshold: Double
    public var marginalThreshold: Double
    /// The classifier's interval confidence (0.98 in `NetflixACAJudge`) and tolerance fraction (0.25).
    public var confidence: Double
    public var tolerance: Double

    public init(metrics: [KayentaMetricConfig], groupWeights: [String: Double] = [:], passThreshold: Double = 95,
                marginalThreshold: Double = 75, confidence: Double = 0.98, tolerance: Double = 0.25) {
        self.metrics = metrics
        self.groupWeights = groupWeights
        self.passThreshold = passThreshold
        self.marginalThreshold = marginalThreshold
        self.confidence = confidence
        self.tolerance = tolerance
    }
}

/// A reimplementation of Spinnaker Kayenta's `NetflixACAJudge`, so teams moving from Kayenta get the
/// same verdicts on the same data: per metric NaN handling, optional IQR outlier removal, the
/// Mann–Whitney classifier; then the weighted group scorer and the threshold classifier
/// (score ≥ pass → promote, ≥ marginal → hold, else rollback).
public struct KayentaJudge: Judge {
    public var passThreshold: Double
    public var marginalThreshold: Double

    public init(passThreshold: Double = 95, marginalThreshold: Double = 75) {
        self.passThreshold = passThreshold
        self.marginalThreshold = marginalThreshold
    }

    public func judge(criteria: [MetricCriterion], data: [String: MetricSamples]) throws -> Verdict {
        try Self.judge(criteria: criteria, data: data, passThreshold: passThreshold, marginalThreshold: marginalThreshold)
    }

    /// Judges metrics in Kayenta's own configuration terms. Values may contain NaN (handled per metric).
    public static func judge(config: KayentaJudgeConfig, data: [String: MetricSamples]) throws -> Verdict {
        guard config.marginalThreshold <= config.passThreshold else {
            throw AnalysisError.invalidSetting("The marginal threshold (\(config.marginalThreshold)) must not exceed the pass threshold (\(config.passThreshold)).")
        }
        var scored: [KayentaScoredMetric] = []
        var verdicts: [MetricVerdict] = []
        for metric in config.metrics {
            guard let samples = data[metric.name] else { throw AnalysisError.missingMetric(metric.name) }
            if samples.baseline.contains(where: { $0.isInfinite }) || samples.candidate.contains(where: { $0.isInfinite }) {
                throw StatsError.nonFiniteInput(name: "Metric \(metric.name)")
            }
            var control = KayentaClassifier.applyNaN(samples.baseline, metric.nanStrategy)
            var experiment = KayentaClassifier.applyNaN(samples.candidate, metric.nanStrategy)
            if metric.removeOutliers {
                control = IQROutliers.remove(control, factor: metric.outlierFactor)
                experiment = IQROutliers.remove(experiment, factor: metric.outlierFactor)
            }
            let classifier = KayentaClassifier(
                tolerance: config.tolerance, confidence: config.confidence,
                effectSizeThresholds: pair(metric.effectSizeThresholds) ?? (1, 1),
                criticalThresholds: pair(metric.criticalThresholds) ?? (1, 1),
                effectSizeMeasure: metric.effectSizeMeasure ?? .meanRatio)
            let result = classifier.classify(control: control, experiment: experiment, direction: metric.direction,
                                             nanStrategy: metric.nanStrategy, isCritical: metric.critical,
                                             mustHaveData: metric.mustHaveData)
            scored.append(KayentaScoredMetric(name: metric.name, classification: result.classification,
                                              groups: metric.groups, critical: result.critical))
            verdicts.append(metricVerdict(metric, result, control: control, experiment: experiment, confidence: config.confidence))
        }
        let (score, _, reason) = KayentaScorer.score(scored, groupWeights: config.groupWeights)
        let decision: Decision = score >= config.passThreshold ? .promote : (score >= config.marginalThreshold ? .hold : .rollback)
        let label = decision == .promote ? "Pass" : (decision == .hold ? "Marginal" : "Fail")
        let explanation = reason ?? "The Kayenta score \(Classification.fmt(score)) is classified \(label) (pass ≥ \(Classification.fmt(config.passThreshold)), marginal ≥ \(Classification.fmt(config.marginalThreshold)))."
        return Verdict(judge: "kayenta", decision: decision, score: score, passThreshold: config.passThreshold,
                       marginalThreshold: config.marginalThreshold, metrics: verdicts, explanation: explanation, seed: 0)
    }

    /// Judges Tollgate criteria the Kayenta way: `worse: higher` becomes direction `increase` (lower:
    /// `decrease`), each metric is its own group weighted by its share of the total weight, and the
    /// tolerance is not used (Kayenta has none beyond its fraction of the estimate).
    public static func judge(criteria: [MetricCriterion], data: [String: MetricSamples],
                             passThreshold: Double = 95, marginalThreshold: Double = 75) throws -> Verdict {
        try Scoring.checkCriteria(criteria, data: data)
        let totalWeight = criteria.reduce(0) { $0 + $1.weight }
        var weights: [String: Double] = [:]
        for c in criteria where totalWeight > 0 { weights[c.name] = 100 * c.weight / totalWeight }
        let metrics = criteria.map {
            KayentaMetricConfig(name: $0.name, direction: $0.worse == .higher ? .increase : .decrease, critical: $0.critical)
        }
        return try judge(config: KayentaJudgeConfig(metrics: metrics, groupWeights: weights, passThreshold: passThreshold,
                                                     marginalThreshold: marginalThreshold), data: data)
    }

    private static func pair(_ values: [Double]?) -> (Double, Double)? {
        guard let values, values.count == 2 else { return nil }
        return (values[0], values[1])
    }

    private static func metricVerdict(_ m: KayentaMetricConfig, _ r: KayentaMetricResult, control: [Double],
                                      experiment: [Double], confidence: Double) -> MetricVerdict {
        let outcome: MetricOutcome
        switch r.classification {
        case .pass: outcome = .pass
        case .high, .low, .nodataFailMetric: outcome = .fail
        case .nodata: outcome = .nodata
        }
        let percent = Int((confidence * 100).rounded())
        var sentence = "\(m.name) is \(r.classification.rawValue)"
        if let lo = r.ciLow, let hi = r.ciHigh, let est = r.estimate {
            sentence += ": the \(percent)% Mann–Whitney interval of the shift is [\(Classification.fmt(lo)), \(Classification.fmt(hi))] around \(Classification.fmt(est))"
            if let d = r.deviation { sentence += ", effect size \(Classification.fmt(d))" }
        } else if let reason = r.reason {
            sentence += ": \(reason)"
        }
        sentence += "."
        return MetricVerdict(metric: m.name, outcome: outcome, critical: m.critical, weight: 1,
                             method: "kayenta-mannwhitney", baselineCount: control.count, candidateCount: experiment.count,
                             baselineValue: control.isEmpty ? nil : Descriptive.mean(control),
                             candidateValue: experiment.isEmpty ? nil : Descriptive.mean(experiment),
                             estimate: r.estimate, ciLow: r.ciLow, ciHigh: r.ciHigh, confidence: confidence,
                             tolerance: "kayenta", allowance: nil, pValue: nil, samplesNeeded: nil,
                             kayentaClassification: r.classification.rawValue, explanation: sentence)
    }
}
