import Foundation
import TollgateStats

/// A reimplementation of Kayenta's `MannWhitneyClassifier` (spinnaker/kayenta, kayenta-judge):
/// the experiment is High when the lower end of the Mann–Whitney shift interval exceeds
/// `tolerance`·|estimate| and the effect size reaches the upper effect-size threshold; Low
/// symmetrically; Pass otherwise. Empty series give Nodata (Pass under the Replace NaN strategy),
/// identical series and a single shared value give Pass.
///
/// Where Kayenta adds random Gaussian noise to two constant but different series (so its rank
/// interval can be computed), this classifier uses the limit of that computation instead: the two
/// series are completely separated, so the interval and the estimate are the difference itself.
/// This keeps verdicts deterministic.
public struct KayentaClassifier: Sendable, Equatable, Codable {
    /// Fraction of |estimate| the interval must clear (Kayenta's `tolerance`, 0.25 in the judge).
    public var tolerance: Double
    /// Confidence level of the interval (0.98 in Kayenta's judge).
    public var confidence: Double
    /// (low, high) thresholds the effect size must pass for Low / High.
    public var effectSizeThresholds: (Double, Double)
    /// (low, high) thresholds beyond which a critical metric's Low / High is a critical failure.
    public var criticalThresholds: (Double, Double)
    public var effectSizeMeasure: KayentaEffectSize

    public init(tolerance: Double = 0.25, confidence: Double = 0.98, effectSizeThresholds: (Double, Double) = (1, 1),
                criticalThresholds: (Double, Double) = (1, 1), effectSizeMeasure: KayentaEffectSize = .meanRatio) {
        self.tolerance = tolerance
        self.confidence = confidence
        self.effectSizeThresholds = effectSizeThresholds
        self.criticalThresholds = criticalThresholds
        self.effectSizeMeasure = effectSizeMeasure
    }

    public static func == (a: KayentaClassifier, b: KayentaClassifier) -> Bool {
        a.tolerance == b.tolerance && a.confidence == b.confidence && a.effectSizeThresholds == b.effectSizeThresholds
            && a.criticalThresholds == b.criticalThresholds && a.effectSizeMeasure == b.effectSizeMeasure
    }

    enum CodingKeys: String, CodingKey {
        case tolerance, confidence, effectSizeLow, effectSizeHigh, criticalLow, criticalHigh, effectSizeMeasure
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(tolerance: try c.decodeIfPresent(Double.self, forKey: .tolerance) ?? 0.25,
                  confidence: try c.decodeIfPresent(Double.self, forKey: .confidence) ?? 0.98,
                  effectSizeThresholds: (try c.decodeIfPresent(Double.self, forKey: .effectSizeLow) ?? 1,
                                         try c.decodeIfPresent(Double.self, forKey: .effectSizeHigh) ?? 1),
                  criticalThresholds: (try c.decodeIfPresent(Double.self, forKey: .criticalLow) ?? 1,
                                       try c.decodeIfPresent(Double.self, forKey: .criticalHigh) ?? 1),
                  effectSizeMeasure: try c.decodeIfPresent(KayentaEffectSize.self, forKey: .effectSizeMeasure) ?? .meanRatio)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(effectSizeThresholds.0, forKey: .effectSizeLow)
        try c.encode(effectSizeThresholds.1, forKey: .effectSizeHigh)
        try c.encode(criticalThresholds.0, forKey: .criticalLow)
        try c.encode(criticalThresholds.1, forKey: .criticalHigh)
        try c.encode(effectSizeMeasure, forKey: .effectSizeMeasure)
    }

    /// Classifies `experiment` against `control`. NaN values are handled by `nanStrategy` first.
    public func classify(control controlIn: [Double], experiment experimentIn: [Double],
                         direction: KayentaDirection = .either, nanStrategy: KayentaNaNStrategy = .remove,
                         isCritical: Bool = false, mustHaveData: Bool = false) -> KayentaMetricResult {
        let control = Self.applyNaN(controlIn, nanStrategy)
        let experiment = Self.applyNaN(experimentIn, nanStrategy)
        if control.isEmpty || experiment.isEmpty {
            if nanStrategy == .replace && !mustHaveData {
                return KayentaMetricResult(classification: .pass, reason: nil, deviation: 1, critical: false)
            }
            let missing = control.isEmpty && experiment.isEmpty ? "Canary and Baseline" : (experiment.isEmpty ? "Canary" : "Baseline")
            return KayentaMetricResult(classification: mustHaveData ? .nodataFailMetric : .nodata,
                                       reason: "Missing data for the \(missing) metric.", deviation: nil, critical: isCritical)
        }
        let sortedC = control.sorted(), sortedE = experiment.sorted()
        if sortedC == sortedE {
            return KayentaMetricResult(classification: .pass, reason: "The Canary and Baseline data are identical.",
                                       deviation: 1, critical: false)
        }
        if sortedC.first == sortedC.last && sortedE.first == sortedE.last && sortedC.first == sortedE.first {
            return KayentaMetricResult(classification: .pass, reason: nil, deviation: 1, critical: false)
        }
        let deviation = effectSize(control: control, experiment: experiment)
        let low: Double, high: Double, estimate: Double
        if sortedC.first == sortedC.last && sortedE.first == sortedE.last {
            let diff = sortedE[0] - sortedC[0]
            (low, high, estimate) = (diff, diff, diff)
        } else {
            // Cannot throw: values are finite and not all tied.
            guard let r = try? RankShiftInterval.compute(experiment, control, confidence: confidence) else {
                return KayentaMetricResult(classification: .pass, reason: nil, deviation: deviation, critical: false)
            }
            (low, high, estimate) = (r.low, r.high, r.estimate)
        }
        let bound = tolerance * abs(estimate)
        // A NaN effect size (a zero mean) does not block the classification, as in Kayenta.
        let highEffect = deviation.isNaN || deviation >= effectSizeThresholds.1
        let lowEffect = deviation.isNaN || deviation <= effectSizeThresholds.0
        let isHigh = (direction == .increase || direction == .either) && low > bound && highEffect
        let isLow = (direction == .decrease || direction == .either) && high < -bound && lowEffect
        let dev: Double? = deviation.isNaN ? nil : deviation
        if isHigh {
            let critical = isCritical && (deviation.isNaN || deviation >= criticalThresholds.1)
            return KayentaMetricResult(classification: .high, reason: "The metric was classified as High (higher in the Canary).",
                                       deviation: dev, critical: critical, ciLow: low, ciHigh: high, estimate: estimate)
        }
        if isLow {
            let critical = isCritical && (deviation.isNaN || deviation <= criticalThresholds.0)
            return KayentaMetricResult(classification: .low, reason: "The metric was classified as Low (lower in the Canary).",
                                       deviation: dev, critical: critical, ciLow: low, ciHigh: high, estimate: estimate)
        }
        return KayentaMetricResult(classification: .pass, reason: nil, deviation: dev, critical: false,
                                   ciLow: low, ciHigh: high, estimate: estimate)
    }

    func effectSize(control: [Double], experiment: [Double]) -> Double {
        switch effectSizeMeasure {
        case .meanRatio:
            let mc = Descriptive.mean(control), me = Descriptive.mean(experiment)
            return mc == 0 || me == 0 ? .nan : me / mc
        case .cles:
            guard let u = try? MannWhitney.test(experiment, control, method: .asymptotic).statistic else { return .nan }
            return u / (Double(experiment.count) * Double(control.count))
        }
    }

    static func applyNaN(_ values: [Double], _ strategy: KayentaNaNStrategy) -> [Double] {
        switch strategy {
        case .remove: return values.filter { !$0.isNaN }
        case .replace: return values.map { $0.isNaN ? 0 : $0 }
        }
    }
}

/// Kayenta's `MeanInequalityClassifier`: High when the experiment's mean is larger, Low when smaller.
public enum KayentaMeanInequalityClassifier {
    public static func classify(control: [Double], experiment: [Double], direction: KayentaDirection = .either) -> KayentaClassification {
        let c = control.filter { !$0.isNaN }, e = experiment.filter { !$0.isNaN }
        if c.isEmpty || e.isEmpty { return .nodata }
        let mc = Descriptive.mean(c), me = Descriptive.mean(e)
        if me > mc && direction != .decrease { return .high }
        if me < mc && direction != .increase { return .low }
        return .pass
    }
}
