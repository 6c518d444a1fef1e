import Foundation
import Testing
import TollgateCore
@testable import TollgateTraffic

@Suite("Memory stays flat", .enabled(if: residentBytes() != nil, "needs /proc/self/statm (Linux)"))
struct MemoryFlatTests {
    /// A sink that keeps only a count, so the test measures replay's own memory.
    actor CountingSink: SampleSink {
        var count = 0
        func write(_ batch: [Sample]) async throws { count += batch.count }
    }

    /// Answers at once with a realistic streamed sample (20 chunk times), so the test exercises
    /// the reader, the scheduler, the summaries and the sink batching at full speed. The HTTP
    /// path is covered by the other suites and by the benchmark.
    struct InstantSender: ModelSender {
        func send(_ body: JSONValue, requestID: String, arm: Arm, tags: [String]) async -> ModelResult {
            let times = (0..<20).map { 50 + Double($0) * 10 + Double(requestID.utf8.count % 7) }
            let sample = Sample(requestID: requestID, arm: arm, startedAt: Date(), firstByteMs: 1, ttftMs: times[0],
                                chunkTimesMs: times, e2eMs: times.last, inputTokens: 30, outputTokens: 20,
                                finishReason: "stop", httpStatus: 200, bytes: 4000, tags: tags)
            return ModelResult(sample: sample, attempts: [AttemptRecord(startedAt: sample.startedAt, durationMs: 240, httpStatus: 200)])
        }
    }

    @Test func replayingA100kLineFileKeepsResidentMemoryFlat() async throws {
        let lines = (0..<100_000).map { i in
            #"{"id": "m\#(i)", "tags": ["bulk"], "body": {"model": "tollgate-sim", "messages": [{"role": "system", "content": "You are a support assistant for an online shop. Answer briefly and politely."}, {"role": "user", "content": "Where is my order number \#(i)? It has not arrived yet."}], "max_tokens": 64, "stream": true}}"#
        } + ["a malformed line in the middle of nowhere"]
        let path = try temporaryFile(lines)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let targets = [ReplayTarget(arm: .baseline, sender: InstantSender())]
        // Warm the process (allocator pools, task-group machinery) on the first 5000 lines,
        // then measure the growth over the whole file (100k samples).
        _ = try await ReplayRunner(targets: targets, configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 64), requestLimit: 5_000))
            .run(trafficPath: path)
        let before = try #require(residentBytes())
        let sink = CountingSink()
        let report = try await ReplayRunner(targets: targets, configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 64)), sink: sink)
            .run(trafficPath: path)
        let after = try #require(residentBytes())
        #expect(report.arms.map(\.succeeded) == [100_000])
        #expect(report.malformedCount == 1)
        #expect(await sink.count == 100_000)
        // Keeping the samples would take far more than the file (\(size >> 20) MB); a flat replay
        // grows by allocator noise only. The bound is generous for CI machines.
        let growth = after - before
        #expect(size > 25 << 20)
        #expect(growth < 16 << 20, "resident memory grew by \(growth >> 20) MB over a \(size >> 20) MB file")
    }
}
