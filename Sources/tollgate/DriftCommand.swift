import ArgumentParser
import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateEval
import TollgateServer
import TollgateStore
import TollgateTraffic

/// `tollgate drift`: drift suites (the live version measured against a reference).
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Run drift suites and list their past verdicts.",
        subcommands: [DriftRun.self, DriftHistory.self]
    )
}

/// `tollgate drift run SUITE`.
struct DriftRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure the target now and test every feature against the reference; one verdict.",
        discussion: """
        The reference is a stored run's samples, the last promoted run of a pipeline, or a JSON Lines \
        file of samples; the current window replays the suite's traffic against the target, or takes \
        the samples the gateway recorded recently. Numbers are tested with two-sample \
        Kolmogorov–Smirnov, categories with chi-square, answer embeddings with MMD and a permutation \
        null; p-values are corrected across features (Holm or Benjamini–Hochberg) and a feature only \
        counts as drifted when its effect also reaches the suite's min_effect (or PSI ≥ psi_threshold). \
        The verdict and the current samples are stored. On drift the verdict is posted to the \
        suite's notify.webhook and, with on_drift.rollback, every active rollout of on_drift.pipeline \
        is asked to roll back: the same response as a drift suite scheduled in `tollgate serve`.

        Exit status (for cron and Kubernetes CronJobs): 0 no drift, 5 drift, 2 bad input (suite, \
        reference or samples), 1 operational failure (target, embeddings endpoint or database).
        """
    )

    @Argument(help: ArgumentHelp("The drift suite file (kind: driftsuite).", valueName: "SUITE"))
    var suite: String

    @Option(name: .customLong("embeddings-url"), help: ArgumentHelp("Base URL of the OpenAI-compatible embeddings endpoint for the 'embeddings' feature (default: the target's).", valueName: "URL"))
    var embeddingsURL: String?

    @Option(name: .customLong("embeddings-model"), help: "Model id sent to the embeddings endpoint.")
    var embeddingsModel: String?

    @Option(help: ArgumentHelp("Measure this endpoint instead of the suite's target (a base URL).", valueName: "URL"))
    var target: String?

    @Option(help: "Replay this many requests instead of the suite's 'current.replay.requests'.")
    var requests: Int?

    @Option(help: "Seed of the permutation test and of replay.")
    var seed: UInt64 = 1

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let requests, requests < 1 { throw ValidationError("--requests must be at least 1.") }
    }

    func run() async throws {
        var driftSuite = try DocumentLoader.loadDriftSuite(at: suite)
        if let target { driftSuite.target.endpoint = target }
        if let requests {
            guard case .replay(let traffic, _, let concurrency) = driftSuite.current else {
                throw CommandFailure.badInput("--requests applies to suites whose 'current' replays traffic; \(suite) uses recent gateway samples.")
            }
            driftSuite.current = .replay(traffic: traffic, requests: requests, concurrency: concurrency)
        }
        let store = try database.open()
        let (verdict, response) = try await ProcessHTTPClient.with(concurrency: 16) { client in
            let verdict = try await DriftRunner(httpClient: client, embeddingsEndpoint: embeddingsURL, embeddingsModel: embeddingsModel, seed: seed)
                .run(suite: driftSuite, store: store)
            do {
                return (verdict, try await DriftResponse.respond(to: verdict, suite: driftSuite, store: store, httpClient: client))
            } catch {
                throw CommandFailure.operational("the verdict is stored, but acting on it failed: \(error)")
            }
        }
        if let problem = response.notificationError {
            Output.error("tollgate: warning: the drift notification was not delivered: \(problem)")
        }
        if json { try Output.printJSON(verdict) } else { print(DriftReportText.render(verdict)) }
        for run in response.rolledBack {
            Output.error("tollgate: on_drift: asked run \(run) of pipeline \(driftSuite.rollbackPipeline ?? "") to roll back")
        }
        if verdict.drifted { throw TollgateExit.drift }
    }
}

/// `tollgate drift history SUITE`.
struct DriftHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a drift suite's past verdicts, newest first."
    )

    @Argument(help: ArgumentHelp("The drift suite's file or its name.", valueName: "SUITE"))
    var suite: String

    @Option(help: "Show at most this many verdicts.")
    var limit: Int = 20

    @Flag(help: "Print the verdicts as JSON.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        var name = suite
        if FileManager.default.fileExists(atPath: suite) {
            name = try DocumentLoader.loadDriftSuite(at: suite).name
        }
        let store = try database.openExisting()
        let results = try store.driftResults(suite: name, limit: limit)
        if json {
            struct Entry: Encodable { var at: Date; var runId: String?; var drifted: Bool; var summary: String }
            try Output.printJSON(results.map { Entry(at: $0.at, runId: $0.runId, drifted: $0.drifted, summary: $0.summary) })
            return
        }
        if results.isEmpty {
            print("No drift verdicts recorded for '\(name)' in \(store.path).")
            return
        }
        print(Output.table(["AT", "RUN", "VERDICT", "SUMMARY"], results.map {
            [Output.timestamp($0.at), $0.runId ?? "-", $0.drifted ? "DRIFT" : "ok", $0.summary]
        }))
    }
}

/// The human-readable drift report.
enum DriftReportText {
    static func render(_ v: DriftVerdict) -> String {
        var lines = [
            "Drift suite \(v.suite)\(v.runID.map { " (run \($0))" } ?? "")",
            "reference: \(v.reference)",
            "current:   \(v.current)",
            "",
            Output.table(["FEATURE", "TEST", "P (\(v.correction.uppercased()))", "EFFECT", "REFERENCE", "CURRENT", ""], v.features.map { f in
                let effect: String
                if f.test == "none" { effect = "-" }
                else if f.feature == .embeddings { effect = String(format: "MMD² %.4f", f.effect) }
                else if f.feature.isCategorical { effect = String(format: "%.1fpp", f.effect * 100) }
                else { effect = String(format: "%.1f%%", f.effect * 100) }
                return [f.feature.rawValue, f.test, f.test == "none" ? "-" : String(format: "%.3g", f.adjustedPValue), effect,
                        f.referenceSummary, f.currentSummary, f.drifted ? "DRIFT" : ""]
            }),
            "",
        ]
        for f in v.features where f.drifted || f.test == "none" { lines.append("\(f.feature.rawValue): \(f.note)") }
        lines.append("Verdict: \(v.drifted ? "DRIFT — " + v.driftedFeatures.map(\.rawValue).joined(separator: ", ") : "no drift") (α = \(v.alpha))")
        return lines.joined(separator: "\n")
    }
}
