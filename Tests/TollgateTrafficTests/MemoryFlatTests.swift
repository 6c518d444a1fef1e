import Foundation
import Testing
import TollgateCore
import TollgateSimulator
@testable import TollgateTraffic

@Suite("Memory stays flat", .enabled(if: residentBytes() != nil, "needs /proc/self/statm (Linux)"))
struct MemoryFlatTests {
    /// A sink that keeps only a count, so the test measures replay's own memory.
    actor CountingSink: SampleSink {
        var count = 0
        func write(_ batch: [Sample]) async throws { count += batch.count }
    }

    @Test func replayingA100kLineFileKeepsResidentMemoryFlat() async throws {
        let lines = (0..<100_000).map { i in
            #"{"id": "m\#(i)", "body": {"model": "tollgate-sim", "messages": [{"role": "system", "content": "You are a support assistant for an online shop. Answer briefly."}, {"role": "user", "content": "Where is my order number \#(i)? It has not arrived yet."}], "max_tokens": 4}}"#
        }
        let path = try temporaryFile(lines)
        var profile = SimulatorProfile.instant()
        profile.outputTokens = .init(median: 4, spread: 0, min: 4, max: 4)
        try await withSimulator(profile, concurrency: 32) { sim, http in
            let sink = CountingSink()
            let target = ReplayTarget(arm: .baseline, client: ModelClient(httpClient: http, endpoint: ModelEndpoint(url: sim.baseURL)))
            // Warm the process (allocator pools, connection pool) on the first 2000 lines,
            // then measure the growth over the remaining 98,000.
            let warm = ReplayRunner(targets: [target], configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 32), requestLimit: 2_000))
            _ = try await warm.run(trafficPath: path)
            let before = try #require(residentBytes())
            let runner = ReplayRunner(targets: [target], configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 32)), sink: sink)
            let report = try await runner.run(trafficPath: path)
            let after = try #require(residentBytes())
            #expect(report.arms[0].succeeded == 100_000)
            #expect(await sink.count == 100_000)
            // The file is ~25 MB and 100k samples in memory would be far more than 40 MB;
            // a flat replay grows by a few MB of allocator noise at most.
            let growth = after - before
            #expect(growth < 40 << 20, "resident memory grew by \(growth >> 20) MB")
        }
    }
}
