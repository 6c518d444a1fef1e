import ArgumentParser
import Dispatch
import Foundation
import Logging
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateStore

/// `tollgate serve`: the long-running service for Alertmanager, the run API and orphaned runs.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Alertmanager's webhook, the run API and /metrics; drive rollouts no other process drives.",
        discussion: """
        Endpoints (all but /health and /ready need `Authorization: Bearer $TOKEN`):
          POST /v1/alerts/alertmanager   Alertmanager webhook (version 4)
          POST /v1/alerts                {"labels": {...}, "annotations": {...}, "status": "firing"}
          GET  /v1/runs, /v1/runs/{id}   runs and one run's state, stage, weight and verdicts
          POST /v1/runs/{id}/approve|reject|pause|resume|rollback|abort|promote   {"reason": "..."}
          GET  /health, /ready, /metrics
        A firing alert that matches an active run's `rollback.on` alert rule rolls that run back.
        SIGTERM or SIGINT stops the service gracefully; runs it drives resume where they stopped.
        """
    )

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8080"

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Environment variable holding the bearer token clients must send.", valueName: "VAR"))
    var tokenEnv = "TOLLGATE_TOKEN"

    @Option(help: "Largest request body in bytes (413 beyond).")
    var maxBodyBytes = 1 << 20

    @Flag(help: "Do not resume or drive rollouts left without a driving process.")
    var noSupervise = false

    @Option(help: ArgumentHelp("Folder of drift suites; those with a `schedule:` run on it.", valueName: "DIR"))
    var suites: String?

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080.")
        }
        guard let token = ProcessInfo.processInfo.environment[tokenEnv], !token.isEmpty else {
            Output.error("tollgate: set \(tokenEnv) to the bearer token clients (Alertmanager, operators) will send.")
            throw TollgateExit.invalidInput
        }
        var scheduled: [DriftSuite] = []
        if let suites {
            do {
                let (found, problems) = try DriftSuiteRunner.scheduledSuites(in: suites)
                problems.forEach { Output.error($0.description) }
                if !problems.isEmpty { throw TollgateExit.invalidInput }
                scheduled = found
                Output.line("scheduling \(found.count) drift suite\(found.count == 1 ? "" : "s"): " + found.map { "\($0.name) (\($0.schedule?.description ?? ""))" }.joined(separator: ", "))
            } catch let error as CocoaError {
                Output.error("tollgate: cannot read --suites \(suites): \(error.localizedDescription)")
                throw TollgateExit.invalidInput
            }
        }
        let store = try database.open()
        var logger = Logger(label: "tollgate.serve")
        logger.logLevel = .info
        let service: TollgateService
        do {
            service = try TollgateService(configuration: ServiceConfiguration(
                host: String(listen[..<colon]), port: port, token: token, maxBodyBytes: maxBodyBytes, superviseRuns: !noSupervise,
                scheduledSuites: scheduled),
                store: store, logger: logger)
        } catch {
            Output.error("tollgate: \(error)")
            throw TollgateExit.invalidInput
        }
        let task = Task { try await service.run { port in Output.line("tollgate serve listening on \(service.configuration.host):\(port), database \(store.path)") } }
        let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        do {
            try await task.value
        } catch is CancellationError {
        } catch {
            Output.error("tollgate: \(error)")
            throw TollgateExit.failure
        }
        Output.line("tollgate serve stopped")
    }
}

/// `tollgate rollback --alert-file`: the service's alert matching, from a script.
struct AlertRollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Apply an alert payload the way `tollgate serve` would: store it, and roll back every active run whose alert rule matches.",
        discussion: "Reads an Alertmanager webhook body (version 4) or the generic form. The engine driving each matched run applies the rollback within its poll interval; a run nobody drives is rolled back by `tollgate rollout resume` or `tollgate serve`."
    )

    @Option(help: ArgumentHelp("The alert payload (JSON).", valueName: "PAYLOAD.json"))
    var alertFile: String

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: alertFile) else {
            Output.error("tollgate: cannot read \(alertFile).")
            throw TollgateExit.invalidInput
        }
        let alerts: [IncomingAlert]
        do {
            alerts = try (try? AlertPayload.alertmanager(data)) ?? AlertPayload.generic(data)
        } catch {
            Output.error("tollgate: \(alertFile): \(error)")
            throw TollgateExit.invalidInput
        }
        let store = try database.open()
        let results = try AlertIntake(store: store).receive(alerts, raw: String(decoding: data, as: UTF8.self), source: "file")
        if json { try Output.printJSON(results); return }
        for result in results {
            let action = result.rolledBack.isEmpty ? "matched no active run" : "rollback requested for \(result.rolledBack.joined(separator: ", "))"
            Output.line("\(result.fingerprint) \(result.status)\(result.stored ? "" : " (already received)"): \(action)")
        }
    }
}
