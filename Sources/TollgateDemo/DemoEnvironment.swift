public import Foundation
import TollgateCore
import TollgateEngine
public import TollgateServer
import Logging
public import TollgateSimulator
public import TollgateStore

/// Two simulated model versions and a gateway in front of them, on free loopback ports: what
/// `tollgate demo` and the end-to-end tests run a real rollout against.
///
/// The baseline answers quickly and cleanly. The unhealthy candidate is slower at prefill (1.2x
/// the baseline's median TTFT), fails 6% of requests with HTTP 500 and degrades 15% of its
/// answers; the healthy one is a copy of the baseline with its own seed.
public struct DemoEnvironment: Sendable {
    public let baseline: Simulator
    public let candidate: Simulator
    public let gateway: Gateway
    public let running: RunningGateway
    public let adminToken: String

    /// The addresses the shipped `pipelines/demo.yaml` is written for; ``pipelineText(from:trafficPath:)``
    /// replaces them with the ports actually bound.
    public static let placeholderBaseline = "http://127.0.0.1:18001/v1"
    public static let placeholderCandidate = "http://127.0.0.1:18002/v1"
    public static let placeholderGateway = "http://127.0.0.1:18000"

    /// The simulator profile of each version.
    public static func profiles(healthy: Bool, seed: UInt64) -> (baseline: SimulatorProfile, candidate: SimulatorProfile) {
        let base = SimulatorProfile(
            seed: seed, models: ["demo-chat"],
            prefill: .init(medianMs: 40, spread: 0.25, perInputTokenMs: 0.02),
            decode: .init(medianMs: 8, spread: 0.2),
            outputTokens: .init(median: 16, spread: 0.4, min: 4, max: 48))
        guard !healthy else {
            var twin = base
            twin.seed = seed &+ 1
            return (base, twin)
        }
        var slow = base
        slow.seed = seed &+ 1
        slow.prefill.medianMs = 48
        slow.faults.serverError = 0.06
        slow.degradedRate = 0.15
        return (base, slow)
    }

    /// Starts both simulators and the gateway (candidate weight 0, admin API behind `adminToken`).
    public static func start(healthy: Bool, seed: UInt64 = 7, adminToken: String = UUID().uuidString) async throws -> DemoEnvironment {
        let (b, c) = profiles(healthy: healthy, seed: seed)
        return try await start(baseline: b, candidate: c, adminToken: adminToken)
    }

    /// Starts simulators with the given profiles and the gateway in front of them.
    /// With `recordInto`, the gateway records every request it proxies in a new run of kind `gateway`.
    public static func start(baseline b: SimulatorProfile, candidate c: SimulatorProfile,
                             adminToken: String = UUID().uuidString, recordInto store: RunStore? = nil) async throws -> DemoEnvironment {
        // The servers' own logs (started, stopped) would drown the rollout's progress.
        var quiet = Logger(label: "tollgate.demo")
        quiet.logLevel = .critical
        let baseline = try await Simulator.start(profile: b, host: "127.0.0.1", port: 0, logger: quiet)
        let candidate: Simulator
        do { candidate = try await Simulator.start(profile: c, host: "127.0.0.1", port: 0, logger: quiet) } catch {
            await baseline.stop()
            throw error
        }
        do {
            let sink = try store.map { store in
                try RunRecording.start(NewRun(kind: .gateway, name: "demo gateway", baselineVersion: "baseline", candidateVersion: "candidate"), in: store).sink
            }
            let gateway = try Gateway(configuration: GatewayConfiguration(
                baseline: try Upstream(url: baseline.baseURL), candidate: try Upstream(url: candidate.baseURL), adminToken: adminToken),
                sampleSink: sink, logger: quiet)
            let running = try await gateway.start()
            return DemoEnvironment(baseline: baseline, candidate: candidate, gateway: gateway, running: running, adminToken: adminToken)
        } catch {
            await baseline.stop()
            await candidate.stop()
            throw error
        }
    }

    /// The pipeline text with the placeholder addresses replaced by the running ones, and the
    /// traffic source made absolute (the text is stored with the run, so it must stand alone):
    /// rewritten as a YAML tree (``YAMLRewrite``), field by field, never by pattern over the text.
    public func pipelineText(from template: String, trafficPath: String) throws -> String {
        try YAMLRewrite.rewriting(template, addresses: [
            Self.placeholderBaseline: baseline.baseURL,
            Self.placeholderCandidate: candidate.baseURL,
            Self.placeholderGateway: running.baseURL,
        ], fields: [["traffic", "source"]: trafficPath])
    }

    /// Stops the gateway and both simulators.
    public func stop() async {
        await running.stop()
        await baseline.stop()
        await candidate.stop()
    }
}
