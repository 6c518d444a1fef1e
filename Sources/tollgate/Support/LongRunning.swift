public import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
public import TollgateCore
import UnixSignals

/// How every long-running command (`serve`, `gateway`, `sim`, `replay`, `shadow`) lives and stops:
/// its work runs as the one service of a ServiceLifecycle `ServiceGroup` that turns SIGTERM and
/// SIGINT into a graceful shutdown (Hummingbird's servers finish their in-flight requests and
/// return; a replay stops sending and lets in-flight requests finish within its grace period).
/// A second signal does not kill the process: it waits for the shutdown already under way.
enum LongRunning {
    /// Runs `body` until it returns; a signal starts its graceful shutdown (`body` sees it through
    /// ServiceLifecycle's task locals: Hummingbird does, ``onShutdown(_:run:)`` does).
    static func run(_ name: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
        var logger = Logger(label: "tollgate.\(name)")
        // ServiceGroup logs its own start and stop at info and debug: the command prints what matters.
        logger.logLevel = .warning
        let service = ServiceBody(name: name, body: body)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                             failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// ``run(_:_:)`` for work that ends with a value (a replay's report).
    static func result<T: Sendable>(_ name: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let box = ResultBox<T>()
        try await run(name) { box.set(try await body()) }
        guard let value = box.value else { throw CancellationError() }
        return value
    }

    /// Runs `operation`, calling `onShutdown` once when a graceful shutdown starts (a replay raises
    /// its stop signal here).
    static func onShutdown<T: Sendable>(_ onShutdown: @escaping @Sendable () -> Void,
                                        run operation: () async throws -> T) async rethrows -> T {
        try await withGracefulShutdownHandler(operation: operation, onGracefulShutdown: onShutdown)
    }

    /// Runs `operation`, cancelling it when a graceful shutdown starts (a qualification stops the
    /// server it started and ends with `CancellationError`).
    static func cancelOnShutdown<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await cancelWhenGracefulShutdown(operation)
    }

    /// Waits until a graceful shutdown starts (or the task is cancelled).
    static func untilShutdown() async {
        try? await gracefulShutdown()
    }
}

/// The value a service's body produced, read after the group ended.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    func set(_ value: T) { lock.withLock { stored = value } }
    var value: T? { lock.withLock { stored } }
}

/// A closure as a ServiceLifecycle service.
private struct ServiceBody: Service, CustomStringConvertible {
    let name: String
    let body: @Sendable () async throws -> Void
    var description: String { "tollgate \(name)" }
    func run() async throws { try await body() }
}

/// `--listen HOST:PORT` of the long-running commands, parsed in one place.
extension ListenAddress: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}
