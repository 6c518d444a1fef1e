import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import TollgateCore
import TollgateEngine
import TollgateTraffic

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
/// _ = try await gateway.router.setWeight(25)   // or GatewayRouter over HTTP
/// await running.stop()
/// ```
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    let split: TrafficSplit
    let metrics = GatewayMetrics()
    let client: HTTPClient
    let mirror: ShadowMirror
    let samples: SampleBatchWriter?
    let logger: Logger

    /// - Parameters:
    ///   - configuration: listener, upstreams, split, limits; validated here.
    ///   - sampleSink: where batches of per-request samples go (for example the run store); `nil`
    ///     keeps only metrics.
    ///
    /// The gateway owns its upstream `HTTPClient` because a proxy needs settings a load client does
    /// not: no redirects followed, no connection retries (a down upstream must fail fast with 502),
    /// many connections per host, and the idle timeout as the read timeout.
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

    /// A router that changes this gateway's split directly, without HTTP.
    public var router: some TrafficRouter { LocalGatewayRouter(gateway: self) }

    /// Serves until the surrounding task is cancelled, then stops accepting, lets the mirror and
    /// sample writer drain, and shuts the upstream client down. `onListening` receives the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let responder = GatewayResponder(
            proxy: Proxy(configuration: configuration, client: client, split: split, metrics: metrics, mirror: mirror, samples: samples),
            admin: AdminAPI(token: configuration.adminToken, split: split, metrics: metrics, samples: samples,
                           readTimeout: configuration.adminReadTimeout)
        )
        let listening = OnceFlag()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil, backlog: 1024),
            onServerRunning: { channel in
                listening.set()
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        let mirror = self.mirror, samples = self.samples
        let address = "\(configuration.host):\(configuration.port)"
        defer { mirror.finish() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await mirror.run() }
                if let samples { group.addTask { await samples.run() } }
                let logger = self.logger
                group.addTask {
                    try await serveUntilCancelled(app, logger: logger)
                    // Only cancellation or a graceful shutdown (SIGTERM in `tollgate gateway`) may end serving;
                    // anything else must not look like a clean exit.
                    if !Task.isCancelled, !Task.isShuttingDownGracefully {
                        throw ServerError.stoppedUnexpectedly(address: address, reason: "the HTTP server returned")
                    }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch let error as ServerError {
            try? await client.shutdown()
            throw error
        } catch {
            try? await client.shutdown()
            if Task.isCancelled { return }
            if listening.isSet { throw ServerError.stoppedUnexpectedly(address: address, reason: "\(error)") }
            throw ServerError.cannotListen(address: address, reason: "\(error)")
        }
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

/// A flag set once, read from other tasks.
final class OnceFlag: Sendable {
    private let value = NIOLockedValueBox(false)
    func set() { value.withLockedValue { $0 = true } }
    var isSet: Bool { value.withLockedValue { $0 } }
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

/// A ``TrafficRouter`` that sets an in-process ``Gateway``'s split directly.
struct LocalGatewayRouter: TrafficRouter {
    let gateway: Gateway
    var summary: String { "gateway (in-process) \(gateway.configuration.host):\(gateway.configuration.port)" }

    func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        guard (0...100).contains(candidatePercent) else { throw RouterError.weightOutOfRange(candidatePercent) }
        try gateway.setWeights(candidate: candidatePercent)
        return RouterReceipt(router: "gateway", candidatePercent: candidatePercent, detail: "in-process gateway weight set to \(candidatePercent)")
    }

    func currentWeight() async throws -> Int? { gateway.weights.candidate }
}

/// The request context of the gateway: Hummingbird's core context plus the client's address.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// Routes the gateway's own paths (`/health`, `/metrics`, `/admin/...`) and proxies everything else.
struct GatewayResponder: HTTPResponder {
    let proxy: Proxy
    let admin: AdminAPI

    func respond(to request: Request, context: GatewayRequestContext) async throws -> Response {
        let path = request.uri.path
        if path == "/health" {
            return AdminAPI.json(status: .ok, "{\"status\":\"ok\"}")
        }
        if path == "/metrics", request.method == .get {
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = proxy.metrics.prometheusText(weights: proxy.split.weights, samples: proxy.samples?.counts)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        if path == "/admin" || path.hasPrefix("/admin/") {
            return await admin.respond(to: request)
        }
        return await proxy.forward(request, clientAddress: context.remoteAddress)
    }
}
