public import AsyncHTTPClient
public import Foundation
public import Logging
public import TollgateCore
import TollgateEngine
import TollgateEval
public import TollgateStore

/// The scheduler's real work for one drift suite: run it (samples and verdict stored), then act on
/// drift with ``DriftResponse`` (webhook, and the suite's `on_drift` rollback), as `tollgate drift run` does.
public struct DriftSuiteRunner: DriftSuiteExecutor {
    public let store: RunStore
    public let httpClient: HTTPClient
    public let logger: Logger

    public init(store: RunStore, httpClient: HTTPClient, logger: Logger = Logger(label: "tollgate.scheduler")) {
        self.store = store
        self.httpClient = httpClient
        self.logger = logger
    }

    public func execute(_ suite: DriftSuite, at date: Date) async throws {
        let verdict = try await DriftRunner(httpClient: httpClient).run(suite: suite, store: store, now: date)
        logger.info("drift suite \(suite.name): \(verdict.drifted ? "drift in \(verdict.driftedFeatures.map(\.rawValue).joined(separator: ", "))" : "no drift")")
        let response = try await DriftResponse.respond(to: verdict, suite: suite, store: store, httpClient: httpClient)
        if let problem = response.notificationError {
            logger.error("drift suite \(suite.name): the webhook did not take the verdict: \(problem)")
        }
        for run in response.rolledBack { logger.warning("drift suite \(suite.name): asked run \(run) to roll back") }
    }

    /// The drift suites with a schedule in `directory` (`*.yaml`); files of other kinds are skipped,
    /// invalid drift suites are reported.
    public static func scheduledSuites(in directory: String) throws -> (suites: [DriftSuite], problems: [Diagnostic]) {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var suites: [DriftSuite] = [], problems: [Diagnostic] = []
        for name in names {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            do {
                if case .driftSuite(let suite) = try DocumentLoader.load(at: path), suite.schedule != nil { suites.append(suite) }
            } catch {
                problems += error.diagnostics
            }
        }
        return (suites, problems)
    }
}
