import AsyncHTTPClient
import Foundation
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import TollgateCore
public import TollgateTraffic

/// Tollgate's traffic gateway: a streaming reverse proxy for OpenAI-compatible APIs that sends
/// each request to the baseline or the candidate by the current weight (optionally sticky),
/// mirrors a share to the candidate as shadow traffic, measures every answer as it streams
/// through, and serves an admin API, `/health` and `/metrics`.
///
/// Start it in-process with ``start()`` (returns once it listens) or run it until cancelled
/// with ``run()``:
/// ```swift
/// let gateway = try Gateway(configuration: .init(
///     baseline: try Upstream(url: "http://127.0.0.1:8001"),
///     candidate: try Upstream(url: "http://127.0.0.1:8002"),
///     adminToken: "secret"))
/// let running = try await gateway.start()
/// try gateway.setWeights(candidate: 25)   // or PUT /admin/weights, or GatewayRouter over HTTP
/// await running.stop()
/// ```
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    let split: TrafficSplit
    let metrics = GatewayMetrics()
    /// The shadow mirror's client (user requests go through ``pools``).
    let client: HTTPClient
    /// Keep-alive connections to the two upstreams, per event loop.
    let pools: UpstreamPools
    let mirror: ShadowMirror
    let samples: SampleBatchWriter?
    let logger: Logger

    /// - Parameters:
    ///   - configuration: listener, upstreams, split, limits; validated here.
    ///   - sampleSink: where batches of per-request samples go (for example the run store); `nil`
    ///     keeps only metrics.
    ///
    /// User requests go through the gateway's own HTTP/1 connections (``UpstreamPools``), on the
    /// client connection's event loop. Shadow copies go through an `HTTPClient` of its own with the
    /// settings a proxy needs: no redirects followed, no connection retries, many connections per
    /// host, and the idle timeout as the read timeout.
    public init(configuration: GatewayConfiguration, sampleSink: (any SampleSink)? = nil, logger: Logger = Logger(label: "tollgate.gateway")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        split = TrafficSplit(candidate: configuration.candidatePercent, mirror: configuration.mirrorPercent)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.decompression = .disabled
        clientConfiguration.timeout = .init(connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.idleTimeout))
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.upstreamConnectionsPerHost)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        do {
            pools = UpstreamPools(targets: [try UpstreamTarget(slot: 0, upstream: configuration.baseline), try UpstreamTarget(slot: 1, upstream: configuration.candidate)],
                                  connectTimeout: TimeAmount(configuration.connectTimeout), maxIdle: configuration.upstreamConnectionsPerHost)
        } catch {
            try? client.syncShutdown()
            throw ServerError.invalidConfiguration("TLS for the upstreams cannot be set up: \(error).")
        }
        samples = sampleSink.map { SampleBatchWriter(logger: logger, sink: $0) }
        mirror = ShadowMirror(configuration: configuration, client: client, metrics: metrics, samples: samples)
    }

    /// The current split.
    public var weights: (candidate: Int, mirror: Int) {
        let w = split.weights
        return (w.candidate, w.mirror)
    }

    /// Changes the split in-process (what `PUT /admin/weights` does). Values must be 0...100.
    public func setWeights(candidate: Int? = nil, mirror: Int? = nil) throws {
        for value in [candidate, mirror].compactMap({ $0 }) where !(0...100).contains(value) {
            throw ServerError.invalidConfiguration("weights are percentages from 0 to 100, not \(value).")
        }
        _ = split.set(candidate: candidate, mirror: mirror)
    }

    /// Serves until the surrounding task is cancelled, then stops accepting, lets answers in
    /// progress finish, lets the mirror and sample writer drain, and shuts the upstream
    /// connections down. `onListening` receives the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let proxy = Proxy(configuration: configuration, split: split, metrics: metrics, mirror: mirror, samples: samples)
        let admin = AdminAPI(token: configuration.adminToken, split: split, metrics: metrics, samples: samples,
                             readTimeout: configuration.adminReadTimeout)
        let address = "\(configuration.host):\(configuration.port)"
        let server: GatewayServer
        do {
            server = try await GatewayServer.bind(host: configuration.host, port: configuration.port, proxy: proxy, admin: admin, pools: pools)
        } catch {
            try? await client.shutdown()
            throw ServerError.cannotListen(address: address, reason: "\(error)")
        }
        let mirror = self.mirror, samples = self.samples
        defer { mirror.finish() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await mirror.run() }
                if let samples { group.addTask { await samples.run() } }
                group.addTask {
                    await onListening(server.port)
                    try await withTaskCancellationHandler {
                        try await server.closeFuture.get()
                    } onCancel: {
                        server.close()
                    }
                    // Only cancellation may end serving; anything else must not look like a clean exit.
                    if !Task.isCancelled { throw ServerError.stoppedUnexpectedly(address: address, reason: "the listener closed") }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            await server.shutDown()
            try? await client.shutdown()
            if Task.isCancelled, !(error is ServerError) { return }
            if let error = error as? ServerError { throw error }
            throw ServerError.stoppedUnexpectedly(address: address, reason: "\(error)")
        }
        await server.shutDown()
        try? await client.shutdown()
    }

    /// Starts serving in a background task and returns once the gateway listens.
    public func start() async throws -> RunningGateway {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await self.run { port in continuation.yield(port) }
        }
        for await port in ports {
            return RunningGateway(host: configuration.host, port: port, task: task)
        }
        // The stream ended without a port: the server failed to start.
        try await task.value
        throw ServerError.cannotListen(address: "\(configuration.host):\(configuration.port)", reason: "the server stopped before it listened")
    }

    /// Writes the samples queued so far to the sink now (they are written every 250 ms anyway).
    public func flushSamples() async { await samples?.flush() }

    /// The admin API's `GET /admin/stats` document as a value.
    public var statsJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let stats = AdminAPI(token: nil, split: split, metrics: metrics, samples: samples).stats()
        return (try? encoder.encode(stats)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A gateway serving in a background task, as ``Gateway/start()`` returns it.
public struct RunningGateway: Sendable {
    public let host: String
    /// The port it listens on (the chosen one when the configuration said 0).
    public let port: Int
    let task: Task<Void, any Error>

    /// `http://host:port`: the base URL clients and ``GatewayRouter`` use.
    public var baseURL: String { "http://\(host):\(port)" }

    /// Stops the gateway and waits until it has shut down.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

extension Gateway {
    /// Sizes the event loops every gateway of this process serves on (NIO's shared group, which
    /// also carries the upstream pools and the mirror's client) to `count` threads instead of one
    /// per core. Call it once, first thing in the process, before any gateway or client exists:
    /// NIO allows it once and ignores it after its shared group started.
    public static func setServingThreads(_ count: Int) {
        NIOSingletons.groupLoopCountSuggestion = count
    }
}
