import Foundation
import Hummingbird
public import Logging
import Yams
import NIOCore

/// A running simulated model server, started in-process on a loopback port.
///
/// ```swift
/// let sim = try await Simulator.start(profile: SimulatorProfile(seed: 7), host: "127.0.0.1", port: 0)
/// defer { Task { await sim.stop() } }
/// let base = "http://127.0.0.1:\(sim.port)/v1"
/// ```
public final class Simulator: Sendable {
    /// The address the server listens on.
    public let host: String
    /// The bound port (the OS-chosen one when started with port 0).
    public let port: Int
    public let profile: SimulatorProfile
    /// `http://HOST:PORT/v1`, the base URL clients use.
    public var baseURL: String { "http://\(host):\(port)/v1" }

    private let routes: SimulatorRoutes
    private let task: Task<Void, any Error>

    private init(host: String, port: Int, routes: SimulatorRoutes, task: Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.profile = routes.profile
        self.routes = routes
        self.task = task
    }

    /// Validates `profile`, binds `host:port` (port 0 lets the OS choose) and serves until ``stop()``.
    public static func start(
        profile: SimulatorProfile, host: String = "127.0.0.1", port: Int = 0, logger: Logger? = nil
    ) async throws -> Simulator {
        try profile.validate()
        let routes = SimulatorRoutes(profile: profile)
        let router = Router()
        routes.register(on: router)
        var log = logger ?? Logger(label: "tollgate.sim")
        if logger == nil { log.logLevel = .critical } // stopping by cancellation logs spurious errors
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "tollgate-sim", backlog: 4096),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: log
        )
        let task = Task {
            do {
                try await app.run()
                continuation.finish()
            } catch {
                continuation.finish()
                throw error
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            let reason: String
            do {
                try await task.value
                reason = "the server stopped before it was listening"
            } catch {
                reason = "\(error)"
            }
            throw SimulatorError.cannotListen(host: host, port: port, reason: reason)
        }
        return Simulator(host: host, port: bound, routes: routes, task: task)
    }

    /// Stops the server, closing open streams, and waits until it has stopped.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// Serves until the surrounding task is cancelled (the `tollgate sim` command waits here).
    public func wait() async throws {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// When the profile sets `recordSchedule`, the milliseconds after arrival at which each content
    /// chunk of the request with header `x-request-id: requestID` was written; `nil` otherwise.
    public func schedule(requestID: String) -> [Double]? {
        routes.schedule(requestID: requestID)
    }

    /// Loads a profile from a YAML (or JSON, which is YAML) file; every key is optional.
    public static func loadProfile(path: String) throws -> SimulatorProfile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SimulatorError.profileUnreadable(path: path, reason: "the file cannot be read (\(error.localizedDescription))")
        }
        return try loadProfile(yaml: text, path: path)
    }

    /// Parses a profile from YAML text; `path` names it in error messages.
    public static func loadProfile(yaml text: String, path: String = "profile") throws -> SimulatorProfile {
        let profile: SimulatorProfile
        do {
            profile = try YAMLDecoder().decode(SimulatorProfile.self, from: text.isEmpty ? "{}" : text)
        } catch {
            throw SimulatorError.profileUnreadable(path: path, reason: "\(error)")
        }
        try profile.validate()
        return profile
    }

    /// Loads simulator cases from a YAML or JSON file: a list of `{prompt, answer, degraded}`,
    /// or an object whose `cases` key holds that list.
    public static func loadCases(path: String) throws -> [SimulatorProfile.Case] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SimulatorError.profileUnreadable(path: path, reason: "the cases file cannot be read (\(error.localizedDescription))")
        }
        struct Wrapped: Decodable { var cases: [SimulatorProfile.Case] }
        let decoder = YAMLDecoder()
        if let list = try? decoder.decode([SimulatorProfile.Case].self, from: text) { return list }
        do {
            return try decoder.decode(Wrapped.self, from: text).cases
        } catch {
            throw SimulatorError.profileUnreadable(path: path, reason: "expected a list of {prompt, answer, degraded} cases (\(error))")
        }
    }
}
