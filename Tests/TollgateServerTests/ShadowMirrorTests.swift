import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateTraffic
@testable import TollgateServer

extension GatewayTests {
    @Suite("Gateway shadow mirroring")
    struct ShadowMirrorTests {
        @Test("a slow candidate does not slow the primary path; overflow copies are dropped and counted")
        func slowCandidateLeavesPrimaryAlone() async throws {
            let collector = MemorySampleSink()
            try await GatewayHarness.with(
                candidateDelay: .milliseconds(1500), sampleSink: collector,
                configure: { $0.mirrorPercent = 100; $0.mirrorQueueCapacity = 2; $0.mirrorConcurrency = 2 }
            ) { (h: GatewayHarness) async throws in
                var latencies: [Duration] = []
                for i in 0..<20 {
                    let start = ContinuousClock.now
                    let r = try await h.complete(headers: [("x-request-id", "req-\(i)")])
                    latencies.append(ContinuousClock.now - start)
                    #expect(r.status == 200)
                    #expect(r.headers.first(name: "x-upstream") == "baseline")
                }
                latencies.sort()
                // The candidate takes 1.5 s; the user's requests stay fast.
                #expect(latencies[latencies.count / 2] < .milliseconds(100), "median \(latencies[latencies.count / 2])")
                #expect(latencies.last! < .milliseconds(500), "max \(latencies.last!)")
                let mirror = h.gateway.metrics.snapshot.mirror
                #expect(mirror.enqueued + mirror.dropped == 20)
                #expect(mirror.dropped >= 10, "only \(mirror.dropped) dropped with room for 4")
                // The copies that were sent come back as shadow samples paired with their request.
                #expect(await eventually { h.gateway.metrics.snapshot.mirror.completed == mirror.enqueued })
                await h.gateway.flushSamples()
                let samples = await collector.samples
                let shadow = samples.filter { $0.arm == .shadow }
                #expect(shadow.count == mirror.enqueued)
                #expect(shadow.allSatisfy { $0.httpStatus == 200 && ($0.e2eMs ?? 0) >= 1400 })
                let primaryIDs = Set(samples.filter { $0.arm == .baseline }.map(\.requestID))
                #expect(shadow.allSatisfy { primaryIDs.contains($0.requestID) })
            }
        }

        @Test("a mirrored copy carries the same body to the candidate")
        func mirroredBody() async throws {
            let collector = MemorySampleSink()
            try await GatewayHarness.with(sampleSink: collector, configure: { $0.mirrorPercent = 100 }) { (h: GatewayHarness) async throws in
                let body = String(repeating: "z", count: 10_000)
                let r = try await h.send("/v1/embeddings", method: .POST, body: body)
                #expect(r.body == body)
                #expect(await eventually { h.gateway.metrics.snapshot.mirror.completed == 1 })
                await h.gateway.flushSamples()
                let shadow = await collector.samples.filter { $0.arm == .shadow }
                #expect(shadow.count == 1)
                #expect(shadow.first?.bytes == 10_000)
            }
        }
    }
}
