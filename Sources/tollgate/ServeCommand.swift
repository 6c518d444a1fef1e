import ArgumentParser
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
        Tokens: one in the variable named by --token-env (named `default`), or several named ones with
        TOLLGATE_TOKENS=name:VARIABLE,name:VARIABLE; each has its own rate limit (429 with Retry-After)
        and every state-changing call is written to the audit trail (table audit_events) under its name.
        Expired samples and texts are pruned at start and every --prune-interval (see `tollgate prune`).
        SIGTERM or SIGINT stops the service gracefully; runs it drives resume where they stopped.
        """
    )

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen = ListenAddress(host: "127.0.0.1", port: 8080)

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Environment variable holding the bearer token clients must send.", valueName: "VAR"))
    var tokenEnv = "TOLLGATE_TOKEN"

    @Option(help: "Largest request body in bytes (413 beyond).")
    var maxBodyBytes = 1 << 20

    @Flag(help: "Do not resume or drive rollouts left without a driving process.")
    var noSupervise = false

    @Option(help: ArgumentHelp("Folder of drift suites; those with a `schedule:` run on it.", valueName: "DIR"))
    var suites: String?

    @OptionGroup var retentionOptions: RetentionOptions

    @Option(help: ArgumentHelp("How often expired samples and texts are pruned; 0 never.", valueName: "DURATION"))
    var pruneInterval = "1h"

    @Option(help: "Requests per second each token may make (bursts of twice that); 0 for no limit.")
    var rateLimit: Double = 20

    @Option(help: ArgumentHelp("Time a client has to send a request head (after connecting or its last request) and its body.", valueName: "DURATION"))
    var readTimeout = "10s"

    func validate() throws {
        guard DurationText.parse(pruneInterval) != nil || pruneInterval == "0" else {
            throw ValidationError("--prune-interval must be a duration like 1h, or 0; got '\(pruneInterval)'.")
        }
        guard let timeout = DurationText.parse(readTimeout), timeout > .zero else {
            throw ValidationError("--read-timeout must be a positive duration like 10s; got '\(readTimeout)'.")
        }
        if rateLimit < 0 { throw ValidationError("--rate-limit must be 0 (no limit) or more.") }
    }

    func run() async throws {
        let tokens = try ServiceTokens.fromEnvironment(tokenVariable: tokenEnv, environment: ProcessInfo.processInfo.environment).tokens
        let retention = try retentionOptions.resolved()
        var scheduled: [DriftSuite] = []
        if let suites {
            let found: [DriftSuite], problems: [Diagnostic]
            do { (found, problems) = try DriftSuiteRunner.scheduledSuites(in: suites) } catch let error as CocoaError {
                throw CommandFailure.badInput("cannot read --suites \(suites): \(error.localizedDescription)")
            }
            if !problems.isEmpty { throw LoadError(diagnostics: problems) }
            scheduled = found
            Output.line("scheduling \(found.count) drift suite\(found.count == 1 ? "" : "s"): " + found.map { "\($0.name) (\($0.schedule?.description ?? ""))" }.joined(separator: ", "))
        }
        let store = try database.open()
        var logger = Logger(label: "tollgate.serve")
        logger.logLevel = .info
        let service = try TollgateService(configuration: ServiceConfiguration(
            host: listen.host, port: listen.port, tokens: tokens, maxBodyBytes: maxBodyBytes, superviseRuns: !noSupervise,
            scheduledSuites: scheduled, rateLimit: rateLimit > 0 ? RateLimiter.Limit(perSecond: rateLimit, burst: Int((rateLimit * 2).rounded(.up))) : nil,
            readTimeout: DurationText.parse(readTimeout) ?? .seconds(10), pruneInterval: pruneInterval == "0" ? nil : DurationText.parse(pruneInterval),
            retention: retention),
            store: store, logger: logger)
        try await LongRunning.run("serve") {
            try await service.run { port in Output.line("tollgate serve listening on \(service.configuration.host):\(port), database \(store.path)") }
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
            throw CommandFailure.badInput("cannot read \(alertFile).")
        }
        let alerts: [IncomingAlert]
        do {
            alerts = try (try? AlertPayload.alertmanager(data)) ?? AlertPayload.generic(data)
        } catch {
            throw CommandFailure.context(alertFile, error)
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
