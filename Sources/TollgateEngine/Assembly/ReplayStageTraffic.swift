import Foundation
public import TollgateCore
public import TollgateStore
public import TollgateTraffic

/// A stage's traffic from the pipeline's recorded traffic, replayed to both versions at once
/// (paired, same load, in a seeded interleaving), for shadow stages and for canary checks with
/// `traffic.via: replay`: while the router carries the canary weight for users, each check
/// interval also compares the two versions on the same requests.
public struct ReplayStageTraffic: StageTrafficSource {
    public let pipeline: Pipeline
    public let store: RunStore
    public let baseline: ModelClient
    public let candidate: ModelClient
    public let trafficPath: String

    public init(pipeline: Pipeline, store: RunStore, baseline: ModelClient, candidate: ModelClient, trafficPath: String) {
        self.pipeline = pipeline
        self.store = store
        self.baseline = baseline
        self.candidate = candidate
        self.trafficPath = trafficPath
    }

    func configuration(requests: Int?, duration: Duration?, seed: UInt64) -> ReplayConfiguration {
        let traffic = pipeline.traffic
        let shape: LoadShape = traffic.rate.map { .openLoop(rate: $0, arrivals: .poisson) } ?? .closedLoop(concurrency: traffic.concurrency)
        let overrides = RequestOverrides(temperature: traffic.overrides["temperature"]?.doubleValue,
                                         seed: traffic.overrides["seed"]?.intValue,
                                         maxTokens: traffic.overrides["max_tokens"]?.intValue)
        return ReplayConfiguration(shape: shape, requestLimit: requests, duration: duration, overrides: overrides,
                                   seed: seed, gracePeriod: .seconds(5), batchSize: 50, repeatTraffic: true)
    }

    func replay(runID: String, stage: Int, requests: Int?, duration: Duration?, seed: UInt64) async throws {
        let runner = ReplayRunner(targets: [ReplayTarget(arm: .baseline, client: baseline), ReplayTarget(arm: .candidate, client: candidate)],
                                  configuration: configuration(requests: requests, duration: duration, seed: seed),
                                  sink: RunStoreSampleSink(store: store, runID: runID, stage: stage,
                                                           text: StoredTextPolicy(security: pipeline.security)))
        _ = try await runner.run(trafficPath: trafficPath)
    }

    public func shadow(runID: String, stage: Int, requests: Int, duration: Duration?) async throws {
        try await replay(runID: runID, stage: stage, requests: requests, duration: duration, seed: pipeline.analysis.seed &+ UInt64(stage))
    }

    public func canaryInterval(runID: String, stage: Int, weight: Int, interval: Duration) async throws {
        let done = try store.read { try $0.sampleCounts(runID: runID, stage: stage) }[.baseline] ?? 0
        try await replay(runID: runID, stage: stage, requests: nil, duration: interval,
                         seed: pipeline.analysis.seed &+ UInt64(stage) &* 1_000_003 &+ UInt64(done))
    }
}
