import ArgumentParser
import Foundation
import TollgateCore
import TollgateEngine
import TollgateStore
import TollgateTraffic

/// `tollgate qualify PIPELINE`: measures one version against the pipeline's declared checklist
/// facts and objectives, records the run, and prints a verdict per checklist item.
struct QualifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qualify",
        abstract: "Measure a version against the deployment checklist: cold start, warmup, throughput, bursts, inputs, timeouts.",
        discussion: """
        Steps, in order (each set in the pipeline's `qualify:` section, each skippable with `skip: true`): \
        cold_start (start_command or restart_command of the version, N times, until the first successful \
        inference), warmup (requests until the sliding-window TTFT p50 is within 10% of steady state), \
        sweep (closed-loop concurrency levels until an objective breaks: highest passing load, knee, \
        per GPU, cost), burst (open loop at a multiple of objectives.load_profile.peak_rps, errors by \
        class and recovery), input_variability (input lengths up to model.max_input_tokens, one just \
        over it, unusual inputs), timeouts (reliability.timeouts against the measured need) and \
        observability (error classes seen, declared metrics on qualify.observability.metrics_url). \
        The run is recorded (kind qualify); `tollgate checklist PIPELINE --measured` shows it again.
        """
    )

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "PIPELINE"))
    var pipeline: String

    @Option(help: "The version to measure.")
    var version: Arm = .candidate

    @Option(help: ArgumentHelp("Run only these steps (comma-separated): \(QualifyConfig.Step.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STEP,…"))
    var only: String?

    @Option(help: "Recorded traffic to replay instead of the pipeline's traffic.source.")
    var traffic: String?

    @Option(name: .customLong("server-log"), help: "File the output of a server started by start_command goes to (default: discarded).")
    var serverLog: String?

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func steps() throws -> [QualifyConfig.Step]? {
        guard let only else { return nil }
        return try only.split(separator: ",").map { name in
            let text = name.trimmingCharacters(in: .whitespaces)
            guard let step = QualifyConfig.Step(rawValue: text) else {
                throw ValidationError("--only: unknown step '\(text)'; use \(QualifyConfig.Step.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return step
        }
    }

    func validate() throws {
        _ = try steps()
    }

    func run() async throws {
        let loaded = try DocumentLoader.loadPipeline(at: pipeline)
        let text = (try? String(contentsOfFile: pipeline, encoding: .utf8)) ?? ""
        let arm = version
        let store = try database.open()
        let recording = try QualificationRecord.start(loaded, path: pipeline, text: text, arm: arm, in: store)
        let run = recording.run
        let report: QualificationReport
        do {
            let runner = try QualificationRunner(
                pipeline: loaded, arm: arm, only: try steps(), trafficPath: traffic,
                sink: RunStoreSampleSink(store: store, runID: run.id, text: StoredTextPolicy(security: loaded.security)),
                serverLog: serverLog,
                progress: { Output.error("[\($0.step.rawValue)] \($0.message)") })
            report = try await LongRunning.result("qualify") { try await LongRunning.cancelOnShutdown { try await runner.run() } }
        } catch {
            recording.fail(error)
            if error is CancellationError {
                Output.error("Interrupted; the started server was stopped.")
                throw TollgateExit.interrupted
            }
            throw error
        }
        try QualificationRecord.save(report, run: run, in: store)
        if json {
            try Output.printJSON(report)
        } else {
            Output.line(QualifyText.render(report))
        }
        Output.error("Recorded as run \(run.id) in \(store.path).")
    }
}

/// Plain-text rendering of a qualification: the sweep's table, then the checklist's verdicts.
enum QualifyText {
    static func render(_ report: QualificationReport) -> String {
        var lines = ["Qualification of \(report.pipeline) \(report.arm) \(report.version) at \(report.endpoint) "
                     + String(format: "(%.1fs)", report.elapsedSeconds)]
        if let sweep = report.sweep, !sweep.levels.isEmpty {
            lines.append("")
            lines.append("Latency vs load (closed loop):")
            func ms(_ v: Double?) -> String { v.map { String(format: "%.0f", $0) } ?? "-" }
            let rows = sweep.levels.map { l -> [String] in
                let s = l.summary
                return ["\(l.concurrency)", String(format: "%.2f", s.requestsPerSecond), s.goodputPerSecond.map { String(format: "%.2f", $0) } ?? "-",
                        String(format: "%.0f", s.outputTokensPerSecond),
                        "\(ms(s.ttftMs.p50))/\(ms(s.ttftMs.p95))", "\(ms(s.itlMs.p50))/\(ms(s.itlMs.p95))", ms(s.e2eMs.p95),
                        "\(s.requests - s.succeeded)", l.passes ? "ok" : l.breaches.joined(separator: ", ")]
            }
            lines.append(Output.table(["conc", "req/s", "good/s", "tok/s", "TTFT p50/p95", "ITL p50/p95", "E2E p95", "errors", "objectives"], rows)
                .split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        if let failure = report.observability?.metricsError {
            lines.append("")
            lines.append("Metrics not checked: \(failure).")
        }
        if !report.notRun.isEmpty {
            lines.append("")
            lines.append("Not run: " + report.notRun.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: "; "))
        }
        lines.append("")
        lines.append(items(report.items))
        let failures = report.failures
        lines.append("")
        lines.append(failures.isEmpty ? "Every measured item is within its objective."
                     : "Outside objective: " + failures.map(\.id).joined(separator: ", ") + ".")
        return lines.joined(separator: "\n")
    }

    /// The checklist with each item's verdict, declared value and measured value.
    static func items(_ items: [ItemVerdict]) -> String {
        var lines: [String] = []
        var section = 0
        for item in items {
            if item.section != section {
                section = item.section
                if let title = Checklist.sections.first(where: { $0.number == section })?.title { lines.append("\(section). \(title)") }
            }
            lines.append("   [\(label(item.verdict))\(item.required ? ", required" : "")] \(item.text)")
            if let declared = item.declared { lines.append("       declared: \(declared)") }
            if let measured = item.measured { lines.append("       measured: \(measured)") }
            if let objective = item.objective { lines.append("       objective: \(objective)") }
        }
        return lines.joined(separator: "\n")
    }

    static func label(_ verdict: ItemVerdict.Verdict) -> String {
        switch verdict {
        case .within: return "measured, within"
        case .outside: return "MEASURED, OUTSIDE"
        case .declaredOnly: return "declared only"
        case .missing: return "missing"
        }
    }
}
