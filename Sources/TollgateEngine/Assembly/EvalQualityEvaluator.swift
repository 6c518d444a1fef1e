public import AsyncHTTPClient
import Foundation
public import TollgateCore
import TollgateEval
public import TollgateStore

/// Runs a pipeline's eval suites against its two versions with ``EvalRunner`` (answers and
/// scores stored in an eval run of their own) and returns the paired pass/fail per case.
public struct EvalQualityEvaluator: QualityEvaluator {
    public let pipeline: Pipeline
    public let store: RunStore
    public let httpClient: HTTPClient
    public let environment: [String: String]

    public init(pipeline: Pipeline, store: RunStore, httpClient: HTTPClient, environment: [String: String]) {
        self.pipeline = pipeline
        self.store = store
        self.httpClient = httpClient
        self.environment = environment
    }

    public func evaluate(suitePath: String) async throws -> RunEventPayload.QualityEvaluated {
        let suite = try DocumentLoader.loadEvalSuite(at: suitePath)
        let baseline = try EvalTarget(pipeline.model.baseline, api: suite.api, environment: environment)
        let candidate = try EvalTarget(pipeline.model.candidate, api: suite.api, environment: environment)
        let options = EvalOptions(concurrency: max(1, min(pipeline.traffic.concurrency, 16)), confidence: pipeline.analysis.confidence,
                                  maxInputTokens: nil, storedText: StoredTextPolicy(security: pipeline.security))
        let result = try await EvalRunner(httpClient: httpClient, store: store).run(suite: suite, baseline: baseline, candidate: candidate, options: options)
        let passes = result.pairedPasses
        let q = result.qualityMetric
        let summary = String(format: "%@: pass rate %.1f%% → %.1f%% (%+.1fpp)", suite.name, q.baseline * 100, q.candidate * 100, q.difference * 100)
        return RunEventPayload.QualityEvaluated(suite: suitePath, evalRunID: result.runID, baseline: passes.baseline,
                                                candidate: passes.candidate, summary: summary, maxDrop: suite.maxDrop)
    }
}
