import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateDemo
import TollgateEngine
import TollgateServer
import TollgateSimulator
import TollgateStore
import TollgateTestSupport

/// `traffic.via: live`: each check interval copies the samples the gateway recorded into the
/// rollout's stage. A slow request is written when it ends, after faster ones that started later;
/// it must still be copied (and judged), and no sample may be copied twice.
@Suite struct LiveCanaryCopyTests {
    struct NoWaitClock: EngineClock {
        func now() -> Date { Date() }
        func sleep(for duration: Duration) async throws {}
    }

    static func chat(_ client: HTTPClient, _ base: String, stall: Bool) async throws -> Int {
        var request = HTTPClientRequest(url: base + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if stall { request.headers.add(name: "x-sim-fault", value: "stall_first_token") }
        request.body = .bytes(ByteBuffer(string: #"{"messages":[{"role":"user","content":"Where is my order?"}],"stream":true}"#))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    @Test(.timeLimit(.minutes(1)))
    func stalledRequestsAreCopiedOnceWhenTheyEnd() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("live.db"))
        var profile = RolloutEndToEndTests.fast(seed: 5)
        profile.faults.stallMs = 8000
        let environment = try await DemoEnvironment.start(baseline: profile, candidate: profile, recordInto: store)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try environment.gateway.setWeights(candidate: 50)
            let rollout = try store.createRun(NewRun(kind: .rollout, name: "live", target: "live-model"))
            try store.write { try $0.saveStage(StageRecord(runId: rollout.id, idx: 1, kind: "canary", name: "canary-50",
                                                           weight: 50, status: "running", startedAt: Date(), finishedAt: nil)) }
            let live = LiveGatewayTraffic(paired: nil, store: store, clock: NoWaitClock(), gatewayRunID: nil, text: .standard)

            // Six requests stall for 8 s before their first token; forty fast ones start after them.
            let base = environment.running.baseURL
            let stalled = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<6 { group.addTask { try await Self.chat(client, base, stall: true) } }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            let fast = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 { group.addTask { try await Self.chat(client, base, stall: false) } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(fast == Array(repeating: 200, count: 40))
            await environment.gateway.flushSamples()
            try await live.canaryInterval(runID: rollout.id, stage: 1, weight: 50, interval: .seconds(1))
            let first = try store.samples(runID: rollout.id, stage: 1)

            #expect(try await stalled.value == Array(repeating: 200, count: 6))
            await environment.gateway.flushSamples()
            try await live.canaryInterval(runID: rollout.id, stage: 1, weight: 50, interval: .seconds(1))
            try await live.canaryInterval(runID: rollout.id, stage: 1, weight: 50, interval: .seconds(1))
            let copied = try store.samples(runID: rollout.id, stage: 1)

            #expect(first.count <= 40, "stalled samples were written before they ended: \(first.count)")
            #expect(copied.count == 46, "\(copied.count) of 46 copied (\(first.count) in the first interval)")
            #expect(Set(copied.map(\.requestID)).count == copied.count, "a sample was copied twice")
            let slow = copied.filter { ($0.ttftMs ?? 0) >= 7500 }
            #expect(slow.count == 6, "the stalled requests were not judged: \(slow.count)")
        } catch { Issue.record(error) }
        try? await client.shutdown()
        await environment.stop()
    }
}
