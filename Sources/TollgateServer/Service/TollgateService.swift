import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
public import TollgateCore
public import TollgateEngine
public import TollgateStore
import TollgateTraffic

/// What `tollgate serve` listens on and accepts.
public struct ServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The bearer tokens (by name) every endpoint but `/health` and `/ready` accepts.
    public var tokens: [ServiceTokens.Token]
    /// Each token's request limit (429 with `Retry-After` beyond); nil for none (`serve` sets 20/s by default).
    public var rateLimit: RateLimiter.Limit?
    /// A client must send its request head within this time of connecting or of its last
    /// request (the connection is closed otherwise) and its body within this time (408).
    public var readTimeout: Duration
    /// How often `serve` prunes expired text and samples (`tollgate prune` on a schedule); nil never.
    public var pruneInterval: Duration?
    /// The retention for runs whose pipeline sets none (`--retention`, `TOLLGATE_RETENTION`).
    public var retention: Duration?
    /// Largest request body accepted (413 beyond).
    public var maxBodyBytes: Int
    /// Resume and drive rollouts that no live process drives (left by a crash, or started with `--detach`).
    public var superviseRuns: Bool
    /// How often the supervisor looks for such runs.
    public var supervisionInterval: Duration
    /// Drift suites with a `schedule:` to run (loaded from `--suites DIR`).
    public var scheduledSuites: [DriftSuite]

    public init(host: String = "127.0.0.1", port: Int = 0, token: String, maxBodyBytes: Int = 1 << 20,
                superviseRuns: Bool = true, supervisionInterval: Duration = .seconds(1), scheduledSuites: [DriftSuite] = [],
                rateLimit: RateLimiter.Limit? = nil, readTimeout: Duration = .seconds(10),
                pruneInterval: Duration? = .seconds(3600), retention: Duration? = nil) {
        self.init(host: host, port: port, tokens: [ServiceTokens.Token(name: "default", value: token)], maxBodyBytes: maxBodyBytes,
                  superviseRuns: superviseRuns, supervisionInterval: supervisionInterval, scheduledSuites: scheduledSuites,
                  rateLimit: rateLimit, readTimeout: readTimeout, pruneInterval: pruneInterval, retention: retention)
    }

    /// With named tokens (`TOLLGATE_TOKENS`).
    public init(host: String = "127.0.0.1", port: Int = 0, tokens: [ServiceTokens.Token], maxBodyBytes: Int = 1 << 20,
                superviseRuns: Bool = true, supervisionInterval: Duration = .seconds(1), scheduledSuites: [DriftSuite] = [],
                rateLimit: RateLimiter.Limit? = nil, readTimeout: Duration = .seconds(10),
                pruneInterval: Duration? = .seconds(3600), retention: Duration? = nil) {
        self.scheduledSuites = scheduledSuites
        self.host = host
        self.port = port
        self.tokens = tokens
        self.rateLimit = rateLimit
        self.readTimeout = readTimeout
        self.pruneInterval = pruneInterval
        self.retention = retention
        self.maxBodyBytes = maxBodyBytes
        self.superviseRuns = superviseRuns
        self.supervisionInterval = supervisionInterval
    }
}

/// `tollgate serve`: Alertmanager's webhook and a generic alert endpoint (a matching firing alert
/// rolls the run back), the run API, `/health`, `/ready` and `/metrics`, and a supervisor that
/// drives rollouts no other process drives.
public final class TollgateService: Sendable {
    public let configuration: ServiceConfiguration
    public let store: RunStore
    let logger: Logger
    let counters = ServiceCounters()
    let supervisor: RunSupervisor
    let intake: AlertIntake
    let tokens: ServiceTokens
    let limiter: RateLimiter?
    let clock: any EngineClock

    /// `clock` drives the prune schedule (tests pass a virtual one).
    public init(configuration: ServiceConfiguration, store: RunStore, logger: Logger = Logger(label: "tollgate.serve"),
                clock: any EngineClock = SystemEngineClock()) throws {
        tokens = try ServiceTokens(configuration.tokens)
        limiter = configuration.rateLimit.map { RateLimiter(limit: $0) }
        self.clock = clock
        self.configuration = configuration
        self.store = store
        self.logger = logger
        supervisor = RunSupervisor(store: store, logger: logger)
        intake = AlertIntake(store: store)
    }

    func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: BodyLimitErrorMiddleware())
        router.add(middleware: AccessMiddleware(tokens: tokens, limiter: limiter, readTimeout: configuration.readTimeout,
                                                maxBodyBytes: configuration.maxBodyBytes, store: store, counters: counters, logger: logger))
        let limit = configuration.maxBodyBytes
        let store = self.store, counters = self.counters, intake = self.intake

        router.get("/health") { _, _ in ServiceResponse.json(.ok, ["status": "ok"]) }
        router.get("/ready") { _, _ in
            do {
                _ = try store.read { try $0.runs(limit: 1) }
                return ServiceResponse.json(.ok, ["status": "ready"])
            } catch {
                return ServiceResponse.error(.serviceUnavailable, code: "database", "The database is not usable: \(error)")
            }
        }
        router.get("/metrics") { _, _ in
            ServiceResponse.text(ServiceMetrics.text(store: store, counters: counters), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.post("/v1/alerts/alertmanager") { request, _ in
            try await Self.alerts(request, limit: limit, intake: intake, counters: counters, source: "alertmanager", parse: AlertPayload.alertmanager)
        }
        router.post("/v1/alerts") { request, _ in
            try await Self.alerts(request, limit: limit, intake: intake, counters: counters, source: "generic", parse: AlertPayload.generic)
        }
        router.get("/v1/runs") { _, _ in
            return ServiceResponse.json(.ok, ["runs": try RunSummary.load(store: store, limit: 200, kinds: [.rollout])])
        }
        router.get("/v1/runs/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            do {
                return ServiceResponse.json(.ok, RunWithReportLink(run: try RunReport.load(runID: id, store: store)))
            } catch StoreError.runNotFound {
                return ServiceResponse.error(.notFound, code: "not_found", "No run with id '\(id)'.")
            } catch StoreError.ambiguousRun(_, let matches) {
                return ServiceResponse.error(.notFound, code: "ambiguous", "'\(id)' matches \(matches.count) runs; give the whole id.")
            }
        }
        router.get("/v1/runs/:id/report") { _, context in RunReportRoute.html(id: context.parameters.get("id") ?? "", store: store) }
        router.post("/v1/runs/:id/:action") { request, context in
            try await Self.command(request, context: context, limit: limit, store: store)
        }
        return router
    }

    static func alerts(_ request: Request, limit: Int, intake: AlertIntake, counters: ServiceCounters, source: String,
                       parse: (Data) throws -> [IncomingAlert]) async throws -> Response {
        let body = try await request.body.collect(upTo: limit)
        let data = Data(body.readableBytesView)
        let alerts: [IncomingAlert]
        do { alerts = try parse(data) } catch {
            counters.add(malformedAlerts: 1)
            return ServiceResponse.error(.badRequest, code: "malformed", "\(error)")
        }
        let results = try intake.receive(alerts, raw: String(decoding: data, as: UTF8.self), source: source)
        counters.add(received: results.count, duplicates: results.filter { !$0.stored }.count,
                     rollbacks: results.reduce(0) { $0 + $1.rolledBack.count })
        return ServiceResponse.json(.accepted, ["alerts": results])
    }

    struct CommandBody: Decodable {
        var reason: String?
        var full: Bool?
    }

    static func command(_ request: Request, context: BasicRequestContext, limit: Int, store: RunStore) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let actionName = context.parameters.get("action") ?? ""
        let allowed: [String: OperatorCommand] = ["approve": .approve, "reject": .reject, "pause": .pause, "resume": .resume,
                                                   "rollback": .rollback, "abort": .abort, "promote": .promote]
        guard let command = allowed[actionName] else {
            return ServiceResponse.error(.notFound, code: "not_found", "No action '\(actionName)'; use one of \(allowed.keys.sorted().joined(separator: ", ")).")
        }
        let body = try await request.body.collect(upTo: limit)
        var parsed = CommandBody()
        if body.readableBytes > 0 {
            do { parsed = try JSONDecoder().decode(CommandBody.self, from: Data(body.readableBytesView)) } catch {
                return ServiceResponse.error(.badRequest, code: "malformed", "The body must be empty or JSON like {\"reason\": \"...\"}.")
            }
        }
        do {
            let event = try OperatorCommands.request(.init(command: command, reason: parsed.reason, source: "api", full: parsed.full),
                                                     runID: id, store: store)
            return ServiceResponse.json(.accepted, ["run": event.runId, "command": command.rawValue, "seq": String(event.seq)])
        } catch StoreError.runNotFound {
            return ServiceResponse.error(.notFound, code: "not_found", "No run with id '\(id)'.")
        } catch EngineError.reasonRequired(let name) {
            return ServiceResponse.error(.badRequest, code: "reason_required", "A \(name) needs a reason: send {\"reason\": \"...\"}.")
        } catch let error as EngineError {
            return ServiceResponse.error(.conflict, code: "conflict", "\(error)")
        }
    }

    /// Serves (and supervises runs) until the surrounding task is cancelled or a graceful
    /// shutdown (ServiceLifecycle; SIGTERM in `tollgate serve`) starts. `onListening` receives the
    /// bound port. A listener that cannot open is ``ServerError/cannotListen(address:reason:)``.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let readTimeout = TimeAmount.nanoseconds(Int64(DurationText.seconds(configuration.readTimeout) * 1e9))
        let listening = OnceFlag()
        let app = Application(router: buildRouter(),
                              server: .http1(configuration: .init(idleTimeout: readTimeout)),
                              configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
                              onServerRunning: { channel in
                                  listening.set()
                                  await onListening(channel.localAddress?.port ?? 0)
                              },
                              logger: logger)
        // The service's one HTTP client (drift suites and their webhooks), shut down when serving ends.
        // A driven rollout keeps its assembly's own: its pipeline sets the connect timeout and pool size.
        let client = ModelClient.makeHTTPClient(concurrency: 16)
        do {
            try await serve(app, client: client)
        } catch {
            try? await client.shutdown()
            if listening.isSet || error is ServerError || Task.isCancelled { throw error }
            throw ServerError.cannotListen(address: ListenAddress(host: configuration.host, port: configuration.port).description, reason: "\(error)")
        }
        try await client.shutdown()
    }

    private func serve(_ app: some Service, client: HTTPClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let logger = self.logger
            group.addTask { try await serveUntilCancelled(app, logger: logger) }
            if let every = configuration.pruneInterval {
                let pruner = RetentionSchedule(store: store, every: every, retention: configuration.retention, clock: clock, logger: logger)
                group.addTask { await pruner.run() }
            }
            if configuration.superviseRuns {
                let interval = configuration.supervisionInterval
                group.addTask { await self.supervisor.run(every: interval) }
            }
            if !configuration.scheduledSuites.isEmpty {
                let scheduler = DriftScheduler(suites: configuration.scheduledSuites, store: store,
                                               executor: DriftSuiteRunner(store: store, httpClient: client, logger: logger), logger: logger)
                group.addTask { await scheduler.run() }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Starts serving in a background task and returns once it listens.
    public func start() async throws -> RunningService {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await self.run { port in continuation.yield(port) }
        }
        for await port in ports { return RunningService(port: port, host: configuration.host, task: task) }
        try await task.value
        throw ServerError.cannotListen(address: "\(configuration.host):\(configuration.port)", reason: "the server stopped before it listened")
    }
}

/// A service serving in a background task.
public struct RunningService: Sendable {
    public let port: Int
    public let host: String
    let task: Task<Void, any Error>

    public var baseURL: String { "http://\(host):\(port)" }

    /// Stops serving and waits for in-flight work (checks, journal writes) to finish.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
