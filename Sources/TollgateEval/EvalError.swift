public import TollgateCore
import TollgateTraffic

/// Why an eval or drift suite could not be run: bad input the user can fix, or an operational
/// failure (a server or the database could not be reached).
public enum EvalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line of a cases file is not a valid case.
    case badCase(path: String, line: Int, reason: String)
    /// A cases file holds no case, or cannot be read.
    case casesUnreadable(path: String, reason: String)
    /// A scorer's options cannot be used (a JSON schema keyword outside the supported subset, …).
    case badScorer(name: String, reason: String)
    /// A drift reference or window file cannot be read or holds no usable sample.
    case badSamples(source: String, reason: String)
    /// The drift reference names something the database does not have.
    case referenceNotFound(String)
    /// The environment variable that should hold an API key is not set or empty (bad input:
    /// export it and run again).
    case missingAPIKey(variable: String, purpose: String)
    /// An endpoint (model, judge, embeddings) did not answer usably.
    case endpointFailed(url: String, reason: String)
    /// Not enough data to compare: too few successful answers or samples.
    case notEnoughData(String)
    /// The run history could not be read or written.
    case store(String)

    /// Whether the user's input is at fault (exit code 2) rather than the environment (exit code 1).
    public var isBadInput: Bool {
        switch self {
        case .badCase, .casesUnreadable, .badScorer, .badSamples, .referenceNotFound, .missingAPIKey: return true
        case .endpointFailed, .notEnoughData, .store: return false
        }
    }

    public var description: String {
        switch self {
        case .badCase(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .casesUnreadable(let path, let reason):
            return "The cases file \(path) cannot be used: \(reason)"
        case .badScorer(let name, let reason):
            return "Scorer '\(name)': \(reason)"
        case .badSamples(let source, let reason):
            return "The samples in \(source) cannot be used: \(reason)"
        case .referenceNotFound(let what):
            return "The drift reference was not found: \(what)"
        case .missingAPIKey(let variable, let purpose):
            return "The environment variable \(variable) (\(purpose)) is not set; export it and run again."
        case .endpointFailed(let url, let reason):
            return "\(url) did not answer usably: \(reason)"
        case .notEnoughData(let what):
            return "Not enough data to compare: \(what)"
        case .store(let message):
            return "The run history could not be used: \(message)"
        }
    }
}

extension ModelEndpoint {
    /// ``ModelEndpoint/init(version:api:modelName:environment:)`` with its error as an eval error:
    /// a missing API key is bad input (``EvalError/missingAPIKey(variable:purpose:)``).
    static func eval(_ version: ModelVersion, api: ModelAPI, environment: [String: String], purpose: String) throws(EvalError) -> ModelEndpoint {
        do {
            return try ModelEndpoint(version: version, api: api, environment: environment)
        } catch {
            guard case .missingAPIKey(let variable) = error else { throw .endpointFailed(url: version.endpoint, reason: error.description) }
            throw .missingAPIKey(variable: variable, purpose: purpose)
        }
    }
}

extension EvalError: ClassifiedError {
    /// Bad cases, scorers, samples or references are the user's; an endpoint, too little data or
    /// the store failing is the world's.
    public var kind: FailureKind { isBadInput ? .badInput : .operational }
}
