public import AsyncHTTPClient
public import Foundation
public import TollgateCore
public import TollgateStore
import TollgateTraffic

/// Runs a drift suite: gathers the reference and the current window, tests every feature, stores
/// the current samples (run kind `drift`) and the verdict, and returns it. `tollgate drift run` and
/// the scheduler of `tollgate serve` call it.
///
/// ```swift
/// let verdict = try await DriftRunner(httpClient: client).run(suite: suite, store: store)
/// if verdict.drifted { print(verdict.summary) }
/// ```
public struct DriftRunner: Sendable {
    public let httpClient: HTTPClient
    public var environment: [String: String]
    /// Base URL of the embeddings endpoint for the `embeddings` feature; the target's when `nil`.
    public var embeddingsEndpoint: String?
    public var embeddingsModel: String?
    public var seed: UInt64

    public init(httpClient: HTTPClient, environment: [String: String] = ProcessInfo.processInfo.environment,
                embeddingsEndpoint: String? = nil, embeddingsModel: String? = nil, seed: UInt64 = 1) {
        self.httpClient = httpClient
        self.environment = environment
        self.embeddingsEndpoint = embeddingsEndpoint
        self.embeddingsModel = embeddingsModel
        self.seed = seed
    }

    public func run(suite: DriftSuite, store: RunStore?, now: Date = Date()) async throws(EvalError) -> DriftVerdict {
        let (reference, referenceSource) = try DriftSamples.reference(suite.reference, store: store)
        let (current, currentSource) = try await currentWindow(suite, store: store, now: now)
        let verdict = try await analyze(suite: suite, reference: reference, referenceSource: referenceSource,
                                        current: current, currentSource: currentSource, at: now)
        guard let store else { return verdict }
        return try DriftStorage.save(verdict, current: current, suite: suite, store: store)
    }

    /// Tests already gathered samples (the scheduler and tests use this directly).
    public func analyze(suite: DriftSuite, reference: [Sample], referenceSource: String, current: [Sample],
                        currentSource: String, at: Date = Date()) async throws(EvalError) -> DriftVerdict {
        var vectors: (reference: [[Double]], current: [[Double]])?
        if suite.features.contains(.embeddings) {
            let client = EmbeddingsClient(httpClient: httpClient, baseURL: embeddingsEndpoint ?? suite.target.endpoint,
                                          model: embeddingsModel,
                                          apiKey: try ModelEndpoint.eval(suite.target, api: .embeddings, environment: environment, purpose: Self.keyPurpose).apiKey)
            let r = DriftFeatureValues.texts(of: reference), c = DriftFeatureValues.texts(of: current)
            if !r.isEmpty && !c.isEmpty { vectors = (try await client.embed(r), try await client.embed(c)) }
        }
        let analysis = DriftAnalysis(suite: suite)
        let features = analysis.analyze(features: suite.features, reference: reference, current: current, embeddings: vectors, seed: seed)
        let drifted = features.filter(\.drifted).map(\.feature)
        return DriftVerdict(suite: suite.name, at: at, runID: nil, reference: referenceSource, current: currentSource,
                            alpha: suite.alpha, correction: suite.correction.rawValue, drifted: !drifted.isEmpty,
                            driftedFeatures: drifted, features: features)
    }

    func currentWindow(_ suite: DriftSuite, store: RunStore?, now: Date) async throws(EvalError) -> ([Sample], String) {
        switch suite.current {
        case .recent(let window):
            let samples = try DriftSamples.recent(window: window, version: suite.target.version, store: store, now: now)
            if samples.isEmpty { throw .notEnoughData("the gateway recorded no sample of \(suite.target.version) in the last \(DurationText.format(window)).") }
            return (samples, "gateway samples of the last \(DurationText.format(window))")
        case .replay(let traffic, let requests, let concurrency):
            let api = suite.api
            let endpoint = try ModelEndpoint.eval(suite.target, api: api, environment: environment, purpose: Self.keyPurpose)
            let client = ModelClient(httpClient: httpClient, endpoint: endpoint, keepResponseText: true)
            let configuration = ReplayConfiguration(shape: .closedLoop(concurrency: concurrency), requestLimit: requests,
                                                    overrides: RequestOverrides(stream: true), seed: seed, repeatTraffic: true)
            let sink = MemorySampleSink()
            let runner = ReplayRunner(targets: [ReplayTarget(arm: .candidate, client: client)], configuration: configuration, sink: sink)
            do {
                _ = try await runner.run(trafficPath: traffic, expectedTotal: requests)
            } catch let error as TrafficError {
                throw .badSamples(source: traffic, reason: error.description)
            } catch {
                throw .endpointFailed(url: suite.target.endpoint, reason: "\(error)")
            }
            let samples = await sink.samples
            if samples.isEmpty { throw .notEnoughData("replaying \(traffic) produced no sample.") }
            if samples.allSatisfy({ $0.errorClass == .connect }) {
                throw .endpointFailed(url: suite.target.endpoint, reason: "no request could connect (\(samples[0].errorMessage ?? "connection refused")).")
            }
            return (samples, "\(samples.count) requests replayed from \(traffic)")
        }
    }

    /// What the API key of `target.api_key_env` is for, in errors.
    static let keyPurpose = "the API key named by 'target.api_key_env'"
}

/// Writes a drift run: a run of kind `drift` holding the current window's samples (so a later
/// suite can use it as its reference), the verdict as a drift result and a journal event.
enum DriftStorage {
    static func save(_ verdict: DriftVerdict, current: [Sample], suite: DriftSuite, store: RunStore) throws(EvalError) -> DriftVerdict {
        var verdict = verdict
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            try store.write { tx in
                let run = try tx.createRun(NewRun(kind: .drift, name: suite.name, target: suite.target.endpoint,
                                                  candidateVersion: suite.target.version), at: verdict.at)
                verdict.runID = run.id
                try tx.insertSamples(current, runID: run.id, stage: nil)
                let payload = String(decoding: try encoder.encode(verdict), as: UTF8.self)
                try tx.insertDriftResult(StoredDriftResult(suite: suite.name, runId: run.id, at: verdict.at, drifted: verdict.drifted,
                                                           summary: verdict.summary, payload: payload))
                struct Finished: Encodable { var drifted: Bool; var summary: String; var features: [String] }
                try tx.appendEvent(runID: run.id, kind: "drift_finished",
                                   payload: Finished(drifted: verdict.drifted, summary: verdict.summary,
                                                     features: verdict.driftedFeatures.map(\.rawValue)), at: verdict.at)
                try tx.setStatus(runID: run.id, status: .completed, outcome: verdict.drifted ? "drift" : "no_drift", at: verdict.at)
            }
        } catch {
            throw .store("\(error)")
        }
        return verdict
    }
}
