import ArgumentParser
import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateEngine
import TollgateStore
import TollgateTraffic

/// Options shared by `replay` and `shadow`: the traffic file, load shape, bounds, overrides,
/// timeouts, retries, goodput and output.
struct TrafficOptions: ParsableArguments {
    @Argument(help: "Recorded traffic: JSON Lines, each a bare OpenAI request body or {\"id\",\"ts\",\"body\",\"tags\"}.")
    var traffic: String

    @Option(help: "API of the endpoints.")
    var api: ModelAPI = .chat

    @Option(help: "Closed loop: requests in flight at once (default 1 when no --rate or --recorded-speed is given).")
    var concurrency: Int?

    @Option(help: "Open loop: requests per second, with random (Poisson) arrivals.")
    var rate: Double?

    @Option(help: "Open loop burstiness: gamma shape of the arrivals (1 = Poisson, below 1 burstier, above 1 smoother).")
    var burstiness: Double = 1

    @Option(name: .customLong("recorded-speed"), help: "Replay at the recorded times (`ts`) divided by this factor (2 = twice as fast).")
    var recordedSpeed: Double?

    @Option(name: .customLong("max-in-flight"), help: "Most requests in flight in an open or recorded loop (backpressure).")
    var maxInFlight: Int = 1024

    @Option(help: "Measured requests to send (warm-up not counted); default: the whole file.")
    var requests: Int?

    @Option(help: "Stop sending after this long, e.g. 30s or 5m.")
    var duration: String?

    @Option(help: "Requests sent first and reported apart, excluded from the summary and the database.")
    var warmup: Int = 0

    @Flag(help: "Start the file again at its end until --requests or --duration is reached.")
    var loop = false

    @Option(help: "Override `temperature` in every request.")
    var temperature: Double?

    @Option(name: .customLong("override-seed"), help: "Override the `seed` field of every request.")
    var overrideSeed: Int?

    @Option(name: .customLong("max-tokens"), help: "Override `max_tokens` in every request.")
    var maxTokens: Int?

    @Option(name: .customLong("top-p"), help: "Override `top_p` in every request.")
    var topP: Double?

    @Flag(inversion: .prefixedNo, help: "Force streaming on or off (default: as each request says).")
    var stream: Bool?

    @Option(name: .customLong("header"), help: "Extra request header `Name: value` (repeatable).")
    var headers: [String] = []

    @Option(name: .customLong("connect-timeout"), help: "Connect timeout.")
    var connectTimeout: String = "10s"

    @Option(name: .customLong("first-token-timeout"), help: "Longest wait for the first token (streaming) or the first byte.")
    var firstTokenTimeout: String = "60s"

    @Option(name: .customLong("idle-timeout"), help: "Longest silence between chunks after the first token.")
    var idleTimeout: String = "30s"

    @Option(name: .customLong("total-timeout"), help: "Longest time for one attempt.")
    var totalTimeout: String = "300s"

    @Option(help: "Retries after a connect error, 429 or 503 (exponential backoff with jitter, Retry-After honoured).")
    var retries: Int = 0

    @Option(help: "Goodput thresholds, e.g. ttft_ms=800,tpot_ms=50,e2e_ms=5000.")
    var goodput: String?

    @Option(help: "After Ctrl-C or SIGTERM, how long in-flight requests may still finish.")
    var grace: String = "10s"

    @Option(help: "Seed of the arrival times and the shadow send order.")
    var seed: UInt64 = 0

    @Option(name: .customLong("samples"), help: "Also write every measured sample as JSON Lines to this file.")
    var samplesFile: String?

    /// The run and its samples are recorded only when a database is named (`--db` or
    /// `TOLLGATE_DB`): a quick measurement leaves no database behind.
    @OptionGroup var database: RecordingDatabaseOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func duration(_ text: String, _ flag: String) throws -> Duration {
        guard let d = DurationText.parse(text) else {
            throw ValidationError("\(flag) '\(text)' is not a duration; write e.g. 500ms, 30s or 5m.")
        }
        return d
    }

    /// Every option is checked before anything is sent or recorded.
    func validate() throws {
        _ = try configuration()
        _ = try timeouts()
        _ = try parsedHeaders()
    }

    func parsedHeaders() throws -> [String: String] {
        var result: [String: String] = [:]
        for header in headers {
            let parts = header.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--header '\(header)' must look like 'Name: value'.")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }

    func timeouts() throws -> ClientTimeouts {
        ClientTimeouts(connect: try duration(connectTimeout, "--connect-timeout"),
                       firstToken: try duration(firstTokenTimeout, "--first-token-timeout"),
                       idle: try duration(idleTimeout, "--idle-timeout"),
                       total: try duration(totalTimeout, "--total-timeout"))
    }

    func configuration() throws -> ReplayConfiguration {
        let shapes = [concurrency != nil, rate != nil, recordedSpeed != nil].filter { $0 }.count
        guard shapes <= 1 else { throw ValidationError("Give only one of --concurrency, --rate and --recorded-speed.") }
        let shape: LoadShape
        if let rate {
            shape = .openLoop(rate: rate, arrivals: burstiness == 1 ? .poisson : .gamma(shape: burstiness))
        } else if let recordedSpeed {
            shape = .recorded(speed: recordedSpeed)
        } else {
            shape = .closedLoop(concurrency: concurrency ?? 1)
        }
        guard retries >= 0 else { throw ValidationError("--retries must not be negative.") }
        let configuration = ReplayConfiguration(
            shape: shape, maxInFlight: maxInFlight, requestLimit: requests,
            duration: try duration.map { try self.duration($0, "--duration") }, warmupRequests: warmup,
            overrides: RequestOverrides(temperature: temperature, seed: overrideSeed, maxTokens: maxTokens, topP: topP, stream: stream),
            seed: seed, gracePeriod: try self.duration(grace, "--grace"), repeatTraffic: loop,
            goodput: try goodput.map { try GoodputThresholds.parse($0) } ?? GoodputThresholds())
        try configuration.validate()
        return configuration
    }

    /// Concurrency the HTTP client must allow per host.
    func connectionLimit(_ configuration: ReplayConfiguration) -> Int {
        if case .closedLoop(let n) = configuration.shape { return n }
        return configuration.maxInFlight
    }

    func retryPolicy() -> RetryPolicy { RetryPolicy(maxAttempts: retries + 1) }

    /// Runs the replay with a progress bar until it ends or SIGINT/SIGTERM stops it (sending stops,
    /// in-flight requests get --grace), prints the report, and exits 130 when interrupted. With a
    /// database, the run and its samples are recorded there.
    func run(targets: @escaping @Sendable (HTTPClient) throws -> [ReplayTarget], configuration: ReplayConfiguration,
             run newRun: NewRun) async throws {
        var sinks: [any SampleSink] = []
        var recorded: RunRecording?
        if let store = try database.openIfNamed() {
            let recording = try RunRecording.start(newRun, in: store)
            recorded = recording
            sinks.append(recording.sink)
        }
        if let samplesFile { sinks.append(try JSONLinesSampleSink(path: samplesFile)) }
        let report: ReplayReport
        do {
            let sink: (any SampleSink)? = sinks.isEmpty ? nil : CombinedSampleSink(sinks)
            let terminal = isatty(STDERR_FILENO) == 1
            let total: Int? = terminal ? (requests.map { $0 + warmup } ?? TrafficReader.countLines(path: traffic)) : nil
            let bar = terminal ? ProgressBar() : nil
            var onProgress: (@Sendable (ReplayProgress) -> Void)?
            if let bar { onProgress = { bar.draw($0) } }
            let trafficPath = traffic
            report = try await ProcessHTTPClient.with(concurrency: connectionLimit(configuration),
                                                      connectTimeout: try duration(connectTimeout, "--connect-timeout")) { http in
                let runner = ReplayRunner(targets: try targets(http), configuration: configuration, sink: sink, progress: onProgress)
                return try await LongRunning.result("replay") {
                    let stop = StopSignal()
                    return try await LongRunning.onShutdown({ stop.stop() }) {
                        try await runner.run(trafficPath: trafficPath, stop: stop, expectedTotal: total)
                    }
                }
            }
            bar?.finish()
        } catch {
            recorded?.fail(error)
            throw error
        }
        if let recorded {
            try recorded.finish(report)
            Output.error("Recorded as run \(recorded.run.id) in \(recorded.store.path).")
        }
        if json {
            try Output.printJSON(report)
        } else {
            print(ReportText.render(report))
        }
        if report.interrupted {
            Output.error("Interrupted: stopped sending; \(report.abandoned) in-flight request(s) abandoned after the grace period.")
            throw TollgateExit.interrupted
        }
    }
}

/// `tollgate replay`: replays recorded traffic against one endpoint and summarizes latency,
/// errors, throughput and goodput.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded traffic against one model endpoint and measure it token by token.",
        discussion: """
        TTFT is the time to the first chunk carrying content, reasoning or a tool call (a role-only \
        chunk does not count). ITL is every gap between content chunks; TPOT is (E2E - TTFT) / \
        (output tokens - 1); E2E ends at the last content chunk. Ctrl-C (or SIGTERM) stops sending, lets \
        in-flight requests finish within --grace, prints what was measured and exits with status 130.
        """
    )

    @OptionGroup var options: TrafficOptions

    @Option(help: "Base URL of the endpoint, e.g. http://127.0.0.1:8001/v1.")
    var endpoint: String

    @Option(help: "Model id written into every request (default: as each request says).")
    var model: String?

    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the API key (sent as a bearer token).")
    var apiKeyEnv: String?

    func run() async throws {
        let configuration = try options.configuration()
        let endpoint = ModelEndpoint(url: self.endpoint, api: options.api, model: model,
                                     headers: try options.parsedHeaders(),
                                     apiKey: try apiKeyEnv.map { try ModelEndpoint.apiKey(fromEnvironment: $0) })
        try endpoint.validate()
        let timeouts = try options.timeouts()
        let retry = options.retryPolicy()
        try await options.run(targets: { http in
            [ReplayTarget(arm: .baseline, client: ModelClient(httpClient: http, endpoint: endpoint, timeouts: timeouts, retry: retry))]
        }, configuration: configuration,
        run: NewRun(kind: .replay, name: URL(fileURLWithPath: options.traffic).lastPathComponent, target: self.endpoint,
                    baselineVersion: model))
    }
}

/// A one-line progress bar on stderr (done/total, rate, errors, ETA), redrawn in place.
final class ProgressBar: Sendable {
    func draw(_ p: ReplayProgress) {
        var line = "\r"
        if let total = p.total, total > 0 {
            let width = 24
            let filled = min(width, Int(Double(width) * Double(p.done) / Double(total)))
            line += "[" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "] "
            line += "\(p.done)/\(total)"
        } else {
            line += "\(p.done) done"
        }
        line += String(format: "  %.1f req/s  errors %d", p.ratePerSecond, p.errors)
        if let eta = p.etaSeconds { line += "  ETA " + DurationText.format(.seconds(Int64(eta.rounded()))) }
        FileHandle.standardError.write(Data((line + "   ").utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

/// Plain-text rendering of a replay report: one column per arm.
enum ReportText {
    static func render(_ report: ReplayReport) -> String {
        var lines: [String] = []
        let arms = report.arms
        func row(_ label: String, _ values: [String]) {
            lines.append(label.padding(toLength: 22, withPad: " ", startingAt: 0)
                         + values.map { $0.padding(toLength: 18, withPad: " ", startingAt: 0) }.joined())
        }
        func ms(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "-" }
        row("", arms.map { $0.arm.rawValue })
        row("requests", arms.map { "\($0.requests)" })
        row("succeeded", arms.map { "\($0.succeeded)" })
        let classes = Set(arms.flatMap { $0.errors.keys }).sorted()
        for c in classes { row("  error \(c)", arms.map { "\($0.errors[c] ?? 0)" }) }
        row("retries", arms.map { "\($0.retries)" })
        for (name, pick) in [("TTFT ms", \ArmSummary.ttftMs), ("ITL ms", \ArmSummary.itlMs),
                             ("TPOT ms", \ArmSummary.tpotMs), ("E2E ms", \ArmSummary.e2eMs)] {
            row("\(name) p50/p90", arms.map { "\(ms($0[keyPath: pick].p50)) / \(ms($0[keyPath: pick].p90))" })
            row("\(name) p95/p99", arms.map { "\(ms($0[keyPath: pick].p95)) / \(ms($0[keyPath: pick].p99))" })
        }
        row("requests/s", arms.map { String(format: "%.2f", $0.requestsPerSecond) })
        row("output tokens/s", arms.map { String(format: "%.1f", $0.outputTokensPerSecond) + ($0.outputTokensEstimated ? " (est.)" : "") })
        if arms.contains(where: { $0.goodRequests != nil }) {
            row("goodput req/s", arms.map { $0.goodputPerSecond.map { String(format: "%.2f", $0) } ?? "-" })
            row("good requests", arms.map { a in a.goodRequests.map { "\($0) of \(a.requests)" } ?? "-" })
        }
        lines.append(String(format: "sent %d request(s) in %.1fs", report.dispatched, report.elapsedSeconds)
                     + (report.lateDispatches > 0 ? "; \(report.lateDispatches) arrival(s) late (in-flight bound reached)" : ""))
        if !report.warmup.isEmpty {
            lines.append("warm-up (excluded): " + report.warmup.map { "\($0.arm.rawValue) \($0.requests) request(s), \($0.requests - $0.succeeded) error(s)" }.joined(separator: "; "))
        }
        if !report.firstSent.isEmpty {
            lines.append("sent first: " + report.firstSent.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if report.malformedCount > 0 {
            lines.append("\(report.malformedCount) malformed line(s) skipped:")
            lines += report.malformedLines.map { "  \($0)" }
            if report.malformedCount > report.malformedLines.count {
                lines.append("  … and \(report.malformedCount - report.malformedLines.count) more")
            }
        }
        return lines.joined(separator: "\n")
    }
}
