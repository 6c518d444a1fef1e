import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import TollgateSimulator

/// The cold start, warmup curve and capacity model of ``SimulatorProfile/Serving``, each against
/// the truth it was configured with.
@Suite("Simulator serving model")
struct ServingTests {
    let harness = SimulatorTests()

    static func profile(prefillMs: Double, _ serving: SimulatorProfile.Serving) -> SimulatorProfile {
        var p = SimulatorProfile.instant()
        p.prefill = .init(medianMs: prefillMs, spread: 0, perInputTokenMs: 0)
        p.outputTokens = .init(median: 1, spread: 0, min: 1, max: 1)
        p.serving = serving
        return p
    }

    func timed(_ http: HTTPClient, _ sim: Simulator) async throws -> (status: Int, ms: Double, body: String) {
        let start = ContinuousClock.now
        let (status, body, _) = try await harness.call(http, sim.baseURL + "/chat/completions", json: SimulatorTests.chat("hello"))
        return (status, DurationSeconds.ms(since: start), body)
    }

    @Test func refusesHealthAndInferenceDuringTheColdStart() async throws {
        try await harness.withSim(Self.profile(prefillMs: 0, .init(coldStartMs: 60_000))) { sim, http in
            let (health, body, _) = try await harness.call(http, "http://127.0.0.1:\(sim.port)/health")
            #expect(health == 503 && body.contains("loading"))
            let early = try await timed(http, sim)
            #expect(early.status == 503 && early.body.contains("model_loading"))
        }
    }

    @Test func servesOnceTheColdStartHasPassed() async throws {
        let started = ContinuousClock.now
        try await harness.withSim(Self.profile(prefillMs: 0, .init(coldStartMs: 400))) { sim, http in
            var firstOK: Double?
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while firstOK == nil, ContinuousClock.now < deadline {
                if try await timed(http, sim).status == 200 { firstOK = DurationSeconds.ms(since: started) }
                else { try await Task.sleep(for: .milliseconds(20)) }
            }
            let ready = try #require(firstOK)
            #expect(ready >= 400, "ready after \(ready) ms")
            let (after, _, _) = try await harness.call(http, "http://127.0.0.1:\(sim.port)/health")
            #expect(after == 200)
        }
    }

    @Test func theFirstWarmupRequestsAreSlowerByTheFactor() async throws {
        try await harness.withSim(Self.profile(prefillMs: 100, .init(warmupRequests: 4, warmupFactor: 5))) { sim, http in
            var times: [Double] = []
            for _ in 0..<7 { times.append(try await timed(http, sim).ms) }
            #expect(times.prefix(4).allSatisfy { $0 >= 495 }, "\(times)")
            let slowest = try #require(times.prefix(4).min())
            #expect(times.suffix(3).allSatisfy { $0 >= 99 && $0 < slowest }, "\(times)")
        }
    }

    @Test func theGateCountsWarmupRequestsInOrder() {
        let gate = ServingGate(serving: .init(warmupRequests: 3, warmupFactor: 4))
        #expect((0..<5).map { _ in gate.nextPrefillScale() } == [4, 4, 4, 1, 1])
        #expect(ServingGate(serving: .init(coldStartMs: 60_000)).isReady == false)
        #expect(ServingGate(serving: .init()).isReady)
    }

    @Test func queuesBeyondCapacityAndAnswers429WhenTheQueueIsFull() async throws {
        try await harness.withSim(Self.profile(prefillMs: 500, .init(capacity: 2, queueLimit: 1))) { sim, http in
            let results = try await withThrowingTaskGroup(of: (status: Int, ms: Double, body: String).self) { group in
                for _ in 0..<4 { group.addTask { try await timed(http, sim) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.map(\.status).sorted() == [200, 200, 200, 429])
            let refused = try #require(results.first { $0.status == 429 })
            let served = results.filter { $0.status == 200 }.map(\.ms).sorted()
            // Refused at once; two served together (about 500 ms); the queued one waits for a slot
            // and is served after them (about 1000 ms).
            #expect(refused.body.contains("queue_full") && refused.ms < served[0], "refused after \(refused.ms) ms, served \(served)")
            #expect(served[0] >= 495 && served[2] >= 995, "\(served)") // waited a whole answer for its slot
        }
    }

    @Test func readsServingFromAProfileAndRejectsNonsense() throws {
        let p = try Simulator.loadProfile(yaml: "serving: { cold_start_ms: 2000, warmup_requests: 20, capacity: 8, queue_limit: 4 }")
        #expect(p.serving == .init(coldStartMs: 2000, warmupRequests: 20, warmupFactor: 3, capacity: 8, queueLimit: 4))
        #expect(throws: SimulatorError.self) { try Simulator.loadProfile(yaml: "serving: { capacity: 0 }") }
        #expect(throws: SimulatorError.self) { try Simulator.loadProfile(yaml: "serving: { warmup_factor: 0.5 }") }
    }
}

/// Milliseconds elapsed on the monotonic clock.
enum DurationSeconds {
    static func ms(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
