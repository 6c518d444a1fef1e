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

    @Test func refusesHealthAndInferenceUntilTheColdStartHasPassed() async throws {
        let started = ContinuousClock.now
        try await harness.withSim(Self.profile(prefillMs: 0, .init(coldStartMs: 600))) { sim, http in
            let (health, _, _) = try await harness.call(http, "http://127.0.0.1:\(sim.port)/health")
            #expect(health == 503)
            let early = try await timed(http, sim)
            #expect(early.status == 503 && early.body.contains("loading"))
            var firstOK: Double?
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while firstOK == nil, ContinuousClock.now < deadline {
                if try await timed(http, sim).status == 200 { firstOK = DurationSeconds.ms(since: started) }
                else { try await Task.sleep(for: .milliseconds(20)) }
            }
            let ready = try #require(firstOK)
            #expect(ready >= 600 && ready < 2000, "ready after \(ready) ms")
            let (after, _, _) = try await harness.call(http, "http://127.0.0.1:\(sim.port)/health")
            #expect(after == 200)
        }
    }

    @Test func theFirstWarmupRequestsAreSlowerByTheFactor() async throws {
        try await harness.withSim(Self.profile(prefillMs: 40, .init(warmupRequests: 5, warmupFactor: 5))) { sim, http in
            var times: [Double] = []
            for _ in 0..<8 { times.append(try await timed(http, sim).ms) }
            #expect(times.prefix(5).allSatisfy { $0 >= 195 }, "\(times)")
            #expect(times.suffix(3).allSatisfy { $0 >= 38 && $0 < 150 }, "\(times)")
        }
    }

    @Test func queuesBeyondCapacityAndAnswers429WhenTheQueueIsFull() async throws {
        try await harness.withSim(Self.profile(prefillMs: 400, .init(capacity: 2, queueLimit: 1))) { sim, http in
            let results = try await withThrowingTaskGroup(of: (status: Int, ms: Double, body: String).self) { group in
                for _ in 0..<4 { group.addTask { try await timed(http, sim) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.map(\.status).sorted() == [200, 200, 200, 429])
            let refused = try #require(results.first { $0.status == 429 })
            #expect(refused.body.contains("queue_full") && refused.ms < 300)
            let served = results.filter { $0.status == 200 }.map(\.ms).sorted()
            // Two served at once (about 400 ms); the queued one waits for a slot (about 800 ms).
            #expect(served[1] < 700 && served[2] >= 780, "\(served)")
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
