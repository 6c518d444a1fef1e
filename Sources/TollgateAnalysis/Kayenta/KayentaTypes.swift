/// Kayenta's classification of one metric (`MetricClassificationLabel` in Kayenta).
public enum KayentaClassification: String, Codable, Sendable, CaseIterable {
    case pass = "Pass"
    case high = "High"
    case low = "Low"
    case nodata = "Nodata"
    /// No data for a metric configured with `mustHaveData`: counts as a failure in the score.
    case nodataFailMetric = "NodataFailMetric"
}

/// Which change Kayenta flags for a metric (`MetricDirection`).
public enum KayentaDirection: String, Codable, Sendable, CaseIterable {
    case increase, decrease, either
}

/// What Kayenta does with NaN values (`NaNStrategy`): drop them, or replace them with zero
/// (Replace also turns an empty series into a Pass, as Kayenta does).
public enum KayentaNaNStrategy: String, Codable, Sendable, CaseIterable {
    case remove, replace
}

/// How Kayenta measures the effect size that must also be exceeded for High/Low.
public enum KayentaEffectSize: String, Codable, Sendable, CaseIterable {
    /// mean(experiment) / mean(control); NaN when either mean is zero.
    case meanRatio
    /// Common-language effect size: P(experiment > control) + ½ P(tie) = U / (n₁n₂).
    case cles
}

/// The outcome of Kayenta's classifier for one metric.
public struct KayentaMetricResult: Codable, Sendable, Equatable {
    public var classification: KayentaClassification
    /// Why, when Kayenta gives a reason (empty for a plain Pass).
    public var reason: String?
    /// The effect size (mean ratio or CLES); NaN-free: nil when Kayenta's value would be NaN.
    public var deviation: Double?
    /// Whether this result trips a critical failure (a critical metric beyond the critical thresholds, or without data).
    public var critical: Bool
    /// The Mann–Whitney shift interval and estimate, when computed.
    public var ciLow: Double?
    public var ciHigh: Double?
    public var estimate: Double?
}
