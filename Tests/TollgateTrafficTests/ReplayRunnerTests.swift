import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateSimulator
@testable import TollgateTraffic

@Suite("Replay")
struct ReplayRunnerTests {
    static func trafficLines(_ n: Int, stream: Bool = true) -> [String] {
        (0..<n).map { i in
            #"{"id": "r\#(i)", "ts": \#(Double(i) * 0.01), "body": {"messages": [{"role": "user", "content": "question \#(i)"}], "stream": \#(stream)}}"#
        }
    }

    static func target(_ arm: Arm, _ sim: Simulator, _ http: HTTPClient) -> ReplayTarget {
        ReplayTarget(arm: arm, client: ModelClient(httpClient: http, endpoint: ModelEndpoint(url: sim.baseURL)))
    }

    @Test func replaysAFileClosedLoopAndSummarizes() async throws {
        let path = try temporaryFile(Self.trafficLines(30) + ["not json"])
        try await withSimulator { sim, http in
            let sink = MemorySampleSink()
            let runner = ReplayRunner(
                targets: [Self.target(.baseline, sim, http)],
                configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 4), warmupRequests: 5, batchSize: 10,
                                                   goodput: GoodputThresholds(ttftMs: 10_000)),
                sink: sink)
            let report = try await runner.run(trafficPath: path)
            let arm = try #require(report.arms.first)
            #expect(arm.requests == 25)
            #expect(arm.succeeded == 25)
            #expect(arm.ttftMs.count == 25)
            #expect(arm.itlMs.count == 25 * 11)
            #expect(arm.goodRequests == 25)
            #expect(report.warmup.first?.requests == 5)
            #expect(report.malformedCount == 1)
            #expect(report.malformedLines.first?.line == 31)
            #expect(report.interrupted == false)
            let samples = await sink.samples
            #expect(samples.count == 25, "warm-up samples stay out of the sink")
            #expect(Set(samples.map(\.requestID)) == Set((5..<30).map { "r\($0)" }))
            #expect(await sink.batchSizes == [10, 10, 5])
        }
    }

    @Test func pairsShadowSamplesByRequestIDInASeededOrder() async throws {
        let path = try temporaryFile(Self.trafficLines(40))
        let candidateProfile = SimulatorProfile.fast(seed: 2)
        let candidate = try await Simulator.start(profile: candidateProfile, host: "127.0.0.1", port: 0)
        defer { Task { await candidate.stop() } }
        try await withSimulator { baseline, http in
            func run(seed: UInt64) async throws -> (ReplayReport, [Sample]) {
                let sink = MemorySampleSink()
                let runner = ReplayRunner(
                    targets: [Self.target(.baseline, baseline, http), Self.target(.candidate, candidate, http)],
                    configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 8), seed: seed), sink: sink)
                let report = try await runner.run(trafficPath: path)
                return (report, await sink.samples)
            }
            let (report, samples) = try await run(seed: 11)
            let byID = Dictionary(grouping: samples, by: \.requestID)
            #expect(byID.count == 40)
            #expect(byID.values.allSatisfy { Set($0.map(\.arm)) == [.baseline, .candidate] && $0.count == 2 })
            #expect(report.arms.map(\.arm) == [.baseline, .candidate])
            #expect(report.arms.allSatisfy { $0.succeeded == 40 })
            let first = report.firstSent
            #expect((first["baseline"] ?? 0) > 5 && (first["candidate"] ?? 0) > 5, "both orders occur: \(first)")
            #expect((first["baseline"] ?? 0) + (first["candidate"] ?? 0) == 40)
            let (again, _) = try await run(seed: 11)
            #expect(again.firstSent == first, "the same seed gives the same interleaving")
        }
        await candidate.stop()
    }

    @Test func paceAnOpenLoopAtTheRequestedRate() async throws {
        let path = try temporaryFile(Self.trafficLines(40, stream: false))
        try await withSimulator(.instant()) { sim, http in
            let runner = ReplayRunner(targets: [Self.target(.baseline, sim, http)],
                                      configuration: ReplayConfiguration(shape: .openLoop(rate: 100, arrivals: .poisson), seed: 3))
            let report = try await runner.run(trafficPath: path)
            #expect(report.arms[0].succeeded == 40)
            // 40 arrivals at 100/s take about 0.4 s (a Poisson sum of 40 gaps is below 0.15 s with
            // probability < 1e-6); the upper bound only guards against a stuck run on a loaded machine.
            #expect(report.elapsedSeconds > 0.15 && report.elapsedSeconds < 10, "\(report.elapsedSeconds)")
        }
    }

    @Test func followsRecordedTimesScaledBySpeed() async throws {
        let lines = (0..<5).map { i in #"{"id": "t\#(i)", "ts": \#(1000 + Double(i) * 0.2), "body": {"prompt": "p\#(i)"}}"# }
        let path = try temporaryFile(lines)
        try await withSimulator(.instant()) { sim, http in
            let target = ReplayTarget(arm: .baseline, client: ModelClient(httpClient: http, endpoint: ModelEndpoint(url: sim.baseURL, api: .completions)))
            let runner = ReplayRunner(targets: [target], configuration: ReplayConfiguration(shape: .recorded(speed: 2)))
            let report = try await runner.run(trafficPath: path)
            #expect(report.arms[0].succeeded == 5)
            // Recorded span 0.8 s at speed 2 → about 0.4 s.
            #expect(report.elapsedSeconds >= 0.38 && report.elapsedSeconds < 10, "\(report.elapsedSeconds)")
        }
    }

    @Test func boundsByRequestCountRepeatingTheFile() async throws {
        let path = try temporaryFile(Self.trafficLines(3, stream: false))
        try await withSimulator(.instant()) { sim, http in
            let sink = MemorySampleSink()
            let runner = ReplayRunner(targets: [Self.target(.baseline, sim, http)],
                                      configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 2), requestLimit: 7, repeatTraffic: true),
                                      sink: sink)
            let report = try await runner.run(trafficPath: path)
            #expect(report.arms[0].requests == 7)
            let ids = await sink.samples.map(\.requestID)
            #expect(Set(ids).count == 7)
            #expect(ids.contains("r0~2"))
        }
    }

    @Test func stopSignalStopsSendingAndReportsWhatItHas() async throws {
        var slow = SimulatorProfile.fast()
        slow.decode = .init(medianMs: 50, spread: 0)
        slow.outputTokens = .init(median: 400, spread: 0, min: 400, max: 400) // about 20 s per request
        let path = try temporaryFile(Self.trafficLines(200))
        try await withSimulator(slow) { sim, http in
            let stop = StopSignal()
            let runner = ReplayRunner(targets: [Self.target(.baseline, sim, http)],
                                      configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 4), gracePeriod: .milliseconds(300)))
            Task {
                try await Task.sleep(for: .milliseconds(300))
                stop.stop()
            }
            let started = ContinuousClock.now
            let report = try await runner.run(trafficPath: path, stop: stop)
            // Requests take 20 s; the grace period (0.3 s) cut them.
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(report.interrupted)
            #expect(report.dispatched == 4)
            #expect(report.abandoned == 4)
        }
    }

    @Test func appliesOverridesAndAsksForUsage() {
        let overrides = RequestOverrides(temperature: 0, seed: 7, maxTokens: 32, stream: true)
        let body = overrides.apply(to: chatBody("x", stream: false))
        #expect(body["temperature"] == .number(0))
        #expect(body["seed"] == .integer(7))
        #expect(body["max_tokens"] == .integer(32))
        #expect(body["stream"] == .bool(true))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? http.syncShutdown() }
        let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: "http://127.0.0.1:1/v1", model: "m2"))
        let prepared = client.prepare(body)
        #expect(prepared["model"] == .string("m2"))
        #expect(prepared["stream_options"]?["include_usage"] == .bool(true))
        #expect(RequestOverrides(stream: false).apply(to: prepared)["stream_options"] == nil)
    }

    @Test func rejectsNonsenseConfigurations() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let target = ReplayTarget(arm: .baseline, client: ModelClient(httpClient: http, endpoint: ModelEndpoint(url: "http://127.0.0.1:1/v1")))
        for configuration in [ReplayConfiguration(shape: .closedLoop(concurrency: 0)),
                              ReplayConfiguration(shape: .openLoop(rate: -1, arrivals: .poisson)),
                              ReplayConfiguration(shape: .openLoop(rate: 5, arrivals: .gamma(shape: 0))),
                              ReplayConfiguration(requestLimit: 0)] {
            await #expect(throws: TrafficError.self) {
                _ = try await ReplayRunner(targets: [target], configuration: configuration).run(trafficPath: "/dev/null")
            }
        }
        try await http.shutdown()
    }
}
