/// The outcome of one statistical test or interval: the statistic, its p-value and the fields
/// particular to the method (an estimate with its interval, degrees of freedom, …).
///
/// Field names match the JSON the CLI prints (`p_value`, `ci_low`, …); optional fields are absent
/// when the method does not produce them.
public struct TestResult: Codable, Sendable, Equatable {
    /// A short name of the method actually used, e.g. `"mannwhitney-exact"`, `"welch"`.
    public var method: String
    public var statistic: Double
    /// `nil` for methods without a p-value (distances, bootstrap intervals).
    public var pValue: Double?
    public var alternative: Alternative?
    public var estimate: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    public var confidence: Double?
    /// Method-specific numbers (`z`, `df`, `u2`, `odds_ratio`, …).
    public var details: [String: Double]

    public init(method: String, statistic: Double, pValue: Double? = nil, alternative: Alternative? = nil,
                estimate: Double? = nil, ciLow: Double? = nil, ciHigh: Double? = nil,
                confidence: Double? = nil, details: [String: Double] = [:]) {
        self.method = method
        self.statistic = statistic
        self.pValue = pValue
        self.alternative = alternative
        self.estimate = estimate
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.confidence = confidence
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case method, statistic, alternative, estimate, confidence, details
        case pValue = "p_value"
        case ciLow = "ci_low"
        case ciHigh = "ci_high"
    }
}
