import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import TollgateCore
public import TollgateTraffic

/// What a qualification run is doing, for a progress display.
public struct QualifyProgress: Sendable {
    public var step: QualifyConfig.Step
    public var message: String
}

/// Measures one version of a pipeline step by step (cold start, warmup, sweep, burst, input
/// variability, timeouts, observability) with the replay client, load shapes and summaries of
/// TollgateTraffic, and judges each checklist item (``QualificationVerdicts``).
///
/// ```swift
/// let runner = try QualificationRunner(pipeline: pipeline, arm: .candidate)
/// let report = try await runner.run()
/// ```
public final class QualificationRunner: Sendable {
    public let pipeline: Pipeline
    public let arm: Arm
    public let version: ModelVersion
    let config: QualifyConfig
    let endpoint: ModelEndpoint
    let trafficPath: String
    let steps: [QualifyConfig.Step]
    let http: HTTPClient
    let client: ModelClient
    let sink: (any SampleSink)?
    let serverLog: String?
    let progress: (@Sendable (QualifyProgress) -> Void)?
    /// The server started by `start_command`, while it runs.
    let server = LockedServer()

    /// - Parameters:
    ///   - only: the steps to run (all the file does not skip when nil).
    ///   - trafficPath: the load to replay (the pipeline's `traffic.source` when nil).
    ///   - sink: where measured samples go (the run's store).
    ///   - serverLog: the file a started server's output is written to.
    public init(pipeline: Pipeline, arm: Arm, only: [QualifyConfig.Step]? = nil, trafficPath: String? = nil,
                sink: (any SampleSink)? = nil, serverLog: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                progress: (@Sendable (QualifyProgress) -> Void)? = nil) throws {
        guard arm == .baseline || arm == .candidate else { throw QualifyError.invalidInput("Qualify the baseline or the candidate.") }
        self.pipeline = pipeline
        self.arm = arm
        version = arm == .candidate ? pipeline.model.candidate : pipeline.model.baseline
        config = pipeline.qualify
        guard let path = trafficPath ?? pipeline.traffic.source else {
            throw QualifyError.invalidInput("Qualification replays recorded traffic: the pipeline has no traffic.source; pass --traffic FILE.")
        }
        self.trafficPath = path
        do {
            endpoint = try ModelEndpoint(version: version, api: pipeline.model.api, modelName: pipeline.model.name, environment: environment)
        } catch {
            guard case .missingAPIKey(let variable) = error else { throw QualifyError.invalidInput(error.description) }
            throw QualifyError.invalidInput("The environment variable \(variable) (the API key of version \(version.version)) is not set; export it first.")
        }
        steps = QualifyConfig.Step.allCases.filter { step in only.map { $0.contains(step) } ?? !pipeline.qualify.skips(step) }
        self.sink = sink
        self.serverLog = serverLog
        self.progress = progress
        let maxConcurrency = max(pipeline.qualify.sweep.concurrency.max() ?? 1, 64)
        http = ModelClient.makeHTTPClient(concurrency: max(512, maxConcurrency * 2),
                                          connectTimeout: pipeline.reliability.connectTimeout ?? .seconds(10))
        // The measuring client never cuts a request the pipeline's own timeouts would keep (the
        // timeouts step judges those), and never retries (backpressure must be seen).
        let total = pipeline.qualify.requestTimeout
        client = ModelClient(httpClient: http, endpoint: endpoint,
                             timeouts: ClientTimeouts(connect: pipeline.reliability.connectTimeout ?? .seconds(10),
                                                      firstToken: total, idle: total, total: total))
    }

    /// Runs the steps in order, stops a server it started, and returns the report.
    public func run() async throws -> QualificationReport {
        let started = Date()
        let clock = ContinuousClock.now
        var report = QualificationReport(pipeline: pipeline.name, arm: arm.rawValue, version: version.version,
                                         endpoint: version.endpoint, startedAt: started, elapsedSeconds: 0,
                                         notRun: [:], errorClassesSeen: [:], items: [])
        for step in QualifyConfig.Step.allCases where !steps.contains(step) {
            report.notRun[step.rawValue] = pipeline.qualify.skips(step) ? "skip: true in the pipeline" : "not in --only"
        }
        var seen = ErrorTally()
        do {
            if !steps.contains(.coldStart), version.startCommand != nil, steps.contains(where: { $0 != .timeouts }) {
                try await startUntimed()
            }
            for step in steps {
                try Task.checkCancellation()
                switch step {
                case .coldStart:
                    if let result = try await coldStart() { report.coldStart = result } else {
                        report.notRun[step.rawValue] = "model.\(arm.rawValue) has no start_command or restart_command"
                    }
                case .warmup:
                    report.warmup = try await warmup(tally: &seen)
                case .sweep:
                    report.sweep = try await sweep(tally: &seen)
                case .burst:
                    if let result = try await burst(tally: &seen) { report.burst = result } else {
                        report.notRun[step.rawValue] = "no burst rate: set qualify.burst.rate or objectives.load_profile.peak_rps"
                    }
                case .inputVariability:
                    report.inputVariability = await inputVariability(tally: &seen)
                case .timeouts:
                    if let result = timeoutAlignment(sweep: report.sweep, warmup: report.warmup) { report.timeouts = result } else {
                        report.notRun[step.rawValue] = "needs the sweep's measurements"
                    }
                case .observability:
                    report.errorClassesSeen = seen.counts
                    report.observability = await observability(seen: seen)
                }
            }
        } catch {
            await finish()
            throw error
        }
        await finish()
        report.errorClassesSeen = seen.counts
        report.elapsedSeconds = DurationText.seconds(ContinuousClock.now - clock)
        report.items = QualificationVerdicts.items(pipeline: pipeline, report: report)
        return report
    }

    /// Stops a server this run started and shuts the HTTP client down.
    func finish() async {
        if let running = server.take() { await running.stop(timeout: config.coldStart.stopTimeout) }
        try? await http.shutdown()
    }

    func say(_ step: QualifyConfig.Step, _ message: String) {
        progress?(QualifyProgress(step: step, message: message))
    }

    // MARK: Shared helpers

    /// The overrides of the qualification's requests: the pipeline's, streaming forced on (TTFT
    /// and inter-token gaps need a stream), and `maxTokens` when given.
    func overrides(maxTokens: Int?) -> RequestOverrides {
        let o = pipeline.traffic.overrides
        return RequestOverrides(temperature: o["temperature"]?.doubleValue, seed: o["seed"]?.intValue,
                                maxTokens: maxTokens ?? o["max_tokens"]?.intValue,
                                stream: pipeline.model.api == .embeddings ? nil : true)
    }

    /// Replays the traffic with one target under `shape`, samples to the run's sink and to memory.
    func replay(_ shape: LoadShape, requests: Int?, duration: Duration? = nil, warmup: Int = 0, maxTokens: Int?,
                step: QualifyConfig.Step) async throws -> (ReplayReport, [Sample]) {
        let memory = MemorySampleSink()
        let sinks: [any SampleSink] = [memory] + (sink.map { [$0] } ?? [])
        let configuration = ReplayConfiguration(shape: shape, maxInFlight: 4096, requestLimit: requests, duration: duration,
                                                warmupRequests: warmup, overrides: overrides(maxTokens: maxTokens),
                                                seed: pipeline.analysis.seed, gracePeriod: .seconds(5), batchSize: 100,
                                                repeatTraffic: true, goodput: goodputThresholds)
        let runner = ReplayRunner(targets: [ReplayTarget(arm: arm, client: client)], configuration: configuration,
                                  sink: CombinedSampleSink(sinks))
        // Cancellation (Ctrl-C) stops the replay like a stop signal; the step then ends.
        let stop = StopSignal()
        let report = try await withTaskCancellationHandler {
            try await runner.run(trafficPath: trafficPath, stop: stop)
        } onCancel: {
            stop.stop()
        }
        try Task.checkCancellation()
        if report.arms.first?.requests ?? 0 == 0, report.malformedCount > 0 || report.dispatched == 0 {
            throw QualifyError.invalidInput("\(trafficPath) has no request to replay.")
        }
        return (report, await memory.samples.sorted { $0.startedAt < $1.startedAt })
    }

    /// Goodput: a request is good when it meets the p95 objectives of TTFT, TPOT and E2E.
    var goodputThresholds: GoodputThresholds {
        func target(_ m: LatencyMetric) -> Double? {
            let q = pipeline.objectives.latency[m]
            return q?.p95 ?? q?.p99 ?? q?.p90 ?? q?.p50
        }
        return GoodputThresholds(ttftMs: target(.ttftMs), tpotMs: target(.tpotMs), e2eMs: target(.e2eMs))
    }

    /// The first request of the traffic file, for probes.
    func firstRequestBody(maxTokens: Int) throws -> JSONValue {
        let reader = try TrafficReader(path: trafficPath)
        while let entry = reader.next() {
            if case .request(let request) = entry { return overrides(maxTokens: maxTokens).apply(to: request.body) }
        }
        throw QualifyError.invalidInput("\(trafficPath) has no request to replay.")
    }

    /// GET `url`: the status and body, or the error text.
    func get(_ url: String, timeout: Duration = .seconds(5)) async -> (status: Int?, body: String, error: String?) {
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let response = try await http.execute(request, timeout: .milliseconds(Int64(DurationText.seconds(timeout) * 1000)))
            let body = try await response.body.collect(upTo: 8 << 20)
            return (Int(response.status.code), String(buffer: body), nil)
        } catch {
            return (nil, "", "\(error)")
        }
    }

    /// `scheme://host:port` of the endpoint.
    var origin: String {
        guard let c = URLComponents(string: version.endpoint), let scheme = c.scheme, let host = c.host else { return version.endpoint }
        return "\(scheme)://\(host)" + (c.port.map { ":\($0)" } ?? "")
    }
}

/// Error classes counted over a qualification's steps.
struct ErrorTally: Sendable {
    var counts: [String: Int] = [:]
    mutating func add(_ summary: ArmSummary) {
        for (k, v) in summary.errors { counts[k, default: 0] += v }
    }
    mutating func add(_ errorClass: ErrorClass?) {
        if let errorClass { counts[errorClass.rawValue, default: 0] += 1 }
    }
}

/// The started server, behind a lock (the runner is shared by the tasks of a step).
final class LockedServer: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ServerProcess?
    func set(_ server: ServerProcess?) { lock.withLock { value = server } }
    func take() -> ServerProcess? { lock.withLock { defer { value = nil }; return value } }
    var current: ServerProcess? { lock.withLock { value } }
}
