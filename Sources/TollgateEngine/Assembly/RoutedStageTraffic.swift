import Foundation
public import TollgateCore
public import TollgateStore
public import TollgateTraffic

/// Canary traffic through the router (`traffic.via: router`): the recorded traffic is sent to the
/// router's public URL, so the split is the router's own, and each sample is credited to the
/// version the router's `x-tollgate-arm` response header names (Tollgate's gateway sets it; put
/// `http-response set-header x-tollgate-arm ...` in another router's config). Answers without the
/// header are kept as `shadow` samples and not judged. Shadow stages replay to both versions.
public struct RoutedStageTraffic: StageTrafficSource {
    public let paired: ReplayStageTraffic
    public let router: ModelClient

    public init(paired: ReplayStageTraffic, router: ModelClient) {
        self.paired = paired
        self.router = router
    }

    public func shadow(runID: String, stage: Int, requests: Int, duration: Duration?) async throws {
        try await paired.shadow(runID: runID, stage: stage, requests: requests, duration: duration)
    }

    public func canaryInterval(runID: String, stage: Int, weight: Int, interval: Duration) async throws {
        let done = try paired.store.read { try $0.sampleCounts(runID: runID, stage: stage) }.values.reduce(0, +)
        let configuration = paired.configuration(requests: nil, duration: interval,
                                                 seed: paired.pipeline.analysis.seed &+ UInt64(stage) &* 1_000_003 &+ UInt64(done))
        // The arm given here is only the fallback for answers without `x-tollgate-arm`.
        let runner = ReplayRunner(targets: [ReplayTarget(arm: .shadow, client: router)], configuration: configuration,
                                  sink: RunStoreSampleSink(store: paired.store, runID: runID, stage: stage))
        _ = try await runner.run(trafficPath: paired.trafficPath)
    }
}

/// Canary samples from real users (`traffic.via: live`): Tollgate's gateway records every request
/// it proxies in a run of kind `gateway` in the same database (`tollgate gateway --db`); each check
/// interval copies the samples it wrote since the last copy into the rollout's stage, by row id
/// (``StoreTransaction/copyNewSamples(from:to:stage:startedSince:text:)``), so slow requests, written
/// after faster ones, are judged too, and each exactly once; the copies keep only the text the
/// rollout's `security.logging` allows.
public struct LiveGatewayTraffic: StageTrafficSource {
    public let paired: ReplayStageTraffic?
    public let store: RunStore
    public let clock: any EngineClock
    /// The gateway's run; `nil` picks the newest running gateway run at each interval.
    public let gatewayRunID: String?
    /// The rollout pipeline's policy for the text of copied samples.
    public let text: StoredTextPolicy
    /// False behind another router (Istio, HAProxy…) judged from a `metrics_source`: there are no
    /// gateway samples to copy, and a canary interval only waits while users produce the traffic.
    public let copiesGatewaySamples: Bool

    public init(paired: ReplayStageTraffic?, store: RunStore, clock: any EngineClock, gatewayRunID: String?,
                text: StoredTextPolicy, copiesGatewaySamples: Bool = true) {
        self.paired = paired
        self.text = text
        self.store = store
        self.clock = clock
        self.gatewayRunID = gatewayRunID
        self.copiesGatewaySamples = copiesGatewaySamples
    }

    public func shadow(runID: String, stage: Int, requests: Int, duration: Duration?) async throws {
        guard let paired else {
            throw RolloutAssembly.AssemblyError.missingSetting("A shadow stage replays recorded traffic to both versions: give the pipeline a traffic.source.")
        }
        try await paired.shadow(runID: runID, stage: stage, requests: requests, duration: duration)
    }

    public func canaryInterval(runID: String, stage: Int, weight: Int, interval: Duration) async throws {
        try await clock.sleep(for: interval)
        guard copiesGatewaySamples else { return }
        try store.write { tx in
            let gateway: String
            if let gatewayRunID {
                gateway = gatewayRunID
            } else if let newest = try tx.runs(limit: 1, statuses: [.running], kinds: [.gateway]).first {
                gateway = newest.id
            } else {
                throw RolloutAssembly.AssemblyError.missingSetting("No running gateway records samples in \(store.path): start `tollgate gateway --db \(store.path)` in front of the two versions, or set router.gateway_run.")
            }
            let stageStart = try tx.stages(runID: runID).first { $0.idx == stage }?.startedAt ?? .distantPast
            try tx.copyNewSamples(from: gateway, to: runID, stage: stage, startedSince: stageStart, text: text)
        }
    }
}
