public import AsyncHTTPClient
public import Foundation
public import TollgateCore
import TollgateTraffic

/// Builds the ``Scorer`` for each of a suite's ``ScorerConfig``s.
public struct ScorerFactory: Sendable {
    public let httpClient: HTTPClient
    /// Base URL used by `similarity` and `judge` scorers that name no `endpoint` (the baseline's).
    public let defaultEndpoint: String?
    public let environment: [String: String]

    public init(httpClient: HTTPClient, defaultEndpoint: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.httpClient = httpClient
        self.defaultEndpoint = defaultEndpoint
        self.environment = environment
    }

    public func make(_ config: ScorerConfig) throws(EvalError) -> any Scorer {
        let o = config.options
        let name = config.name, weight = config.weight
        func strings(_ key: String) -> [String] { o[key]?.arrayValue?.compactMap(\.stringValue) ?? o[key]?.stringValue.map { [$0] } ?? [] }
        switch config.kind {
        case .equals:
            return EqualsScorer(name: name, weight: weight, expected: o["expected"].map(Self.text),
                                ignoreCase: o["ignore_case"]?.boolValue ?? false, trim: o["trim"]?.boolValue ?? true)
        case .contains, .notContains:
            return ContainsScorer(name: name, weight: weight, values: strings("values"),
                                  requireAll: o["mode"]?.stringValue == "all",
                                  ignoreCase: o["ignore_case"]?.boolValue ?? false, negated: config.kind == .notContains)
        case .regex:
            guard let pattern = o["pattern"]?.stringValue else { throw .badScorer(name: name, reason: "a regex scorer needs 'pattern'.") }
            return try RegexScorer(name: name, weight: weight, pattern: pattern, mustMatch: o["must_match"]?.boolValue ?? true)
        case .jsonValid:
            return JSONValidScorer(name: name, weight: weight)
        case .jsonSchema:
            guard let schema = o["schema"] else { throw .badScorer(name: name, reason: "a json_schema scorer needs 'schema'.") }
            do throws(EvalError) {
                return JSONSchemaScorer(name: name, weight: weight, schema: try JSONSchemaSubset(schema))
            } catch {
                throw .badScorer(name: name, reason: error.description)
            }
        case .numeric:
            return NumericScorer(name: name, weight: weight, expected: o["expected"]?.doubleValue,
                                 tolerance: o["tolerance"]?.doubleValue ?? 0, relative: o["relative"]?.boolValue ?? false)
        case .length:
            return LengthScorer(name: name, weight: weight, min: o["min"]?.doubleValue, max: o["max"]?.doubleValue,
                                inTokens: o["unit"]?.stringValue == "tokens")
        case .refusal:
            return RefusalScorer(name: name, weight: weight, detector: RefusalDetector(extraPhrases: strings("phrases")),
                                 expectRefusal: o["expect"]?.stringValue == "refuse")
        case .similarity:
            let base = try endpoint(o, scorer: name)
            let client = EmbeddingsClient(httpClient: httpClient, baseURL: base, model: o["model"]?.stringValue,
                                          apiKey: try apiKey(o, scorer: name))
            return SimilarityScorer(name: name, weight: weight, embeddings: client,
                                    againstBaseline: o["against"]?.stringValue == "baseline", minimum: o["min"]?.doubleValue ?? 0.8)
        case .judge:
            guard let rubric = o["rubric"]?.stringValue else { throw .badScorer(name: name, reason: "a judge scorer needs 'rubric'.") }
            let base = try endpoint(o, scorer: name)
            let chat = JSONEndpoint(httpClient: httpClient, url: JSONEndpoint.url(base: base, path: "/chat/completions"),
                                    apiKey: try apiKey(o, scorer: name))
            return JudgeScorer(name: name, weight: weight, chat: chat, model: o["model"]?.stringValue, rubric: rubric,
                               pairwise: o["mode"]?.stringValue == "pairwise", scale: o["scale"]?.doubleValue ?? 10,
                               minScore: o["min_score"]?.doubleValue)
        case .latency:
            guard let maxMs = o["max_ms"]?.doubleValue else { throw .badScorer(name: name, reason: "a latency scorer needs 'max_ms'.") }
            return LatencyScorer(name: name, weight: weight, maxMs: maxMs, useTTFT: o["metric"]?.stringValue == "ttft_ms")
        case .cost:
            guard let maxUSD = o["max_usd"]?.doubleValue else { throw .badScorer(name: name, reason: "a cost scorer needs 'max_usd'.") }
            return CostScorer(name: name, weight: weight, maxUSD: maxUSD, inputPer1k: o["per_1k_input_usd"]?.doubleValue ?? 0,
                              outputPer1k: o["per_1k_output_usd"]?.doubleValue ?? 0)
        }
    }

    private func endpoint(_ o: [String: JSONValue], scorer: String) throws(EvalError) -> String {
        guard let url = o["endpoint"]?.stringValue ?? defaultEndpoint else {
            throw .badScorer(name: scorer, reason: "set 'endpoint' (an OpenAI-compatible base URL).")
        }
        return url
    }

    private func apiKey(_ o: [String: JSONValue], scorer: String) throws(EvalError) -> String? {
        guard let variable = o["api_key_env"]?.stringValue else { return nil }
        guard let key = environment[variable], !key.isEmpty else {
            throw .badScorer(name: scorer, reason: "the environment variable \(variable) named by 'api_key_env' is not set.")
        }
        return key
    }

    static func text(_ value: JSONValue) -> String {
        if let s = value.stringValue { return s }
        return value.jsonText
    }
}
