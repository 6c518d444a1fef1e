public import TollgateCore

/// Why a judge could not evaluate the data and criteria it was given.
public enum AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A criterion names a metric for which no samples were supplied at all.
    case missingMetric(String)
    /// Two criteria share a name.
    case duplicateMetric(String)
    /// A setting is outside its domain (a negative weight, thresholds in the wrong order).
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .missingMetric(let name):
            return "No samples were supplied for metric '\(name)'; add its baseline and candidate values or remove it from the criteria."
        case .duplicateMetric(let name):
            return "Metric '\(name)' appears more than once in the criteria; give each metric one entry."
        case .invalidSetting(let message):
            return message
        }
    }
}

extension AnalysisError: ClassifiedError {
    /// Criteria and data given to a judge are the user's.
    public var kind: FailureKind { .badInput }
}
