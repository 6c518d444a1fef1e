import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import TollgateSimulator

@Suite("Simulator")
struct SimulatorTests {
    /// Starts a simulator and a plain HTTP client, runs `body`, stops both.
    func withSim(_ profile: SimulatorProfile, _ body: (Simulator, HTTPClient) async throws -> Void) async throws {
        let sim = try await Simulator.start(profile: profile, host: "127.0.0.1", port: 0)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await body(sim, http)
        } catch {
            try? await http.shutdown()
            await sim.stop()
            throw error
        }
        try await http.shutdown()
        await sim.stop()
    }

    func call(_ http: HTTPClient, _ url: String, json: String? = nil, headers: [String: String] = [:],
              timeout: TimeAmount = .seconds(30)) async throws -> (Int, String, [String: String]) {
        var request = HTTPClientRequest(url: url)
        if let json {
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        let response = try await http.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 22)
        var h: [String: String] = [:]
        for header in response.headers { h[header.name.lowercased()] = header.value }
        return (Int(response.status.code), String(buffer: body), h)
    }

    static func chat(_ prompt: String, stream: Bool = false, extra: String = "") -> String {
        #"{"model":"tollgate-sim","messages":[{"role":"user","content":\#(OpenAIBodies.quote(prompt))}],"stream":\#(stream)\#(extra)}"#
    }

    func answer(_ text: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let choices = object?["choices"] as? [[String: Any]]
        let message = choices?.first?["message"] as? [String: Any]
        return try #require(message?["content"] as? String)
    }

    @Test func servesHealthModelsAndAnOSChosenPort() async throws {
        try await withSim(.instant()) { sim, http in
            #expect(sim.port > 0)
            let (status, body, _) = try await call(http, "http://127.0.0.1:\(sim.port)/health")
            #expect(status == 200 && body.contains("ok"))
            let (_, models, _) = try await call(http, sim.baseURL + "/models")
            #expect(models.contains(#""id":"tollgate-sim""#))
        }
    }

    @Test func answersDeterministicallyPerPromptAndSeed() async throws {
        var first: [String] = []
        var second: [String] = []
        var otherSeed: [String] = []
        for (seed, sink) in [(UInt64(4), 0), (4, 1), (5, 2)] {
            try await withSim(.instant(seed: seed)) { sim, http in
                var answers: [String] = []
                for prompt in ["What is a canary?", "Refund policy?", "What is a canary?"] {
                    let (_, body, _) = try await call(http, sim.baseURL + "/chat/completions", json: Self.chat(prompt))
                    answers.append(try answer(body))
                }
                switch sink {
                case 0: first = answers
                case 1: second = answers
                default: otherSeed = answers
                }
            }
        }
        #expect(first == second)
        #expect(first[0] == first[2])
        #expect(first[0] != first[1])
        #expect(first != otherSeed)
    }

    @Test func answersFromCasesAndDegradesAtTheConfiguredRate() async throws {
        var profile = SimulatorProfile.instant()
        profile.cases = (0..<200).map { SimulatorProfile.Case(prompt: "q\($0)", answer: "right \($0)", degraded: "wrong \($0)") }
        profile.degradedRate = 0.25
        try await withSim(profile) { sim, http in
            var degraded = 0
            for i in 0..<200 {
                let (_, body, _) = try await call(http, sim.baseURL + "/chat/completions", json: Self.chat("q\(i)"))
                let text = try answer(body)
                #expect(text == "right \(i)" || text == "wrong \(i)")
                if text.hasPrefix("wrong") { degraded += 1 }
            }
            #expect(degraded > 30 && degraded < 70, "about 50 of 200 degraded, got \(degraded)")
        }
    }

    @Test func streamsRoleChunkTokensFinishUsageAndDone() async throws {
        try await withSim(.instant()) { sim, http in
            let (status, body, headers) = try await call(
                http, sim.baseURL + "/chat/completions",
                json: Self.chat("hi", stream: true, extra: #","stream_options":{"include_usage":true},"max_tokens":5"#))
            #expect(status == 200)
            #expect(headers["content-type"] == "text/event-stream")
            let events = body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.first?.contains(#""role":"assistant""#) == true)
            #expect(events.filter { $0.contains(#""content":"#) && !$0.contains("role") }.count == 5)
            #expect(events.contains { $0.contains(#""finish_reason":"length""#) })
            #expect(events.contains { $0.contains(#""completion_tokens":5"#) })
            #expect(events.last == "data: [DONE]")
        }
    }

    @Test func embedsSimilarTextsCloserThanUnrelatedOnes() async throws {
        try await withSim(.instant()) { sim, http in
            let (status, body, _) = try await call(http, sim.baseURL + "/embeddings", json: #"{"input":["my order has not arrived","my order has not arrived yet","quantum chromodynamics lecture"]}"#)
            #expect(status == 200)
            let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let data = try #require(object?["data"] as? [[String: Any]])
            let vectors = data.compactMap { $0["embedding"] as? [Double] }
            #expect(vectors.count == 3 && vectors[0].count == 64)
            func cosine(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
            #expect(abs(cosine(vectors[0], vectors[0]) - 1) < 1e-3)
            #expect(cosine(vectors[0], vectors[1]) > 0.8)
            #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.3)
        }
    }

    @Test func injectsA429WithRetryAfterByRate() async throws {
        var profile = SimulatorProfile.instant()
        profile.faults.rateLimited = 1
        profile.faults.retryAfterSeconds = 3
        try await withSim(profile) { sim, http in
            let (status, body, headers) = try await call(http, sim.baseURL + "/chat/completions", json: Self.chat("x"))
            #expect(status == 429)
            #expect(headers["retry-after"] == "3")
            #expect(body.contains("rate_limit"))
        }
    }

    @Test func rejectsABadBodyWith400() async throws {
        try await withSim(.instant()) { sim, http in
            let (status, body, _) = try await call(http, sim.baseURL + "/chat/completions", json: "{not json")
            #expect(status == 400)
            #expect(body.contains("invalid_request_error"))
        }
    }

    @Test func loadsAProfileFromYAMLWithDefaultsForMissingKeys() throws {
        let profile = try Simulator.loadProfile(yaml: """
        seed: 42
        prefill: { median_ms: 150, per_input_token_ms: 0.1 }
        faults: { rate_limited: 0.05, retry_after_seconds: 2 }
        dialect: llama_cpp
        cases:
          - { prompt: "hi", answer: "hello" }
        """)
        #expect(profile.seed == 42)
        #expect(profile.prefill.medianMs == 150)
        #expect(profile.prefill.spread == SimulatorProfile.Prefill().spread)
        #expect(profile.faults.rateLimited == 0.05)
        #expect(profile.dialect == .llamaCpp)
        #expect(profile.cases.first?.answer == "hello")
        #expect(profile.models == ["tollgate-sim"])
    }

    @Test func rejectsImpossibleProfiles() {
        var profile = SimulatorProfile()
        profile.faults.rateLimited = 0.7
        profile.faults.serverError = 0.6
        #expect(throws: SimulatorError.self) { try profile.validate() }
        #expect(throws: SimulatorError.self) { try Simulator.loadProfile(yaml: "output_tokens: { min: 10, max: 2 }") }
        #expect(throws: SimulatorError.self) { try Simulator.loadProfile(yaml: "seed: [not a number]") }
    }

    @Test func reportsAPortInUse() async throws {
        let sim = try await Simulator.start(profile: .instant(), host: "127.0.0.1", port: 0)
        await #expect(throws: SimulatorError.self) {
            let other = try await Simulator.start(profile: .instant(), host: "127.0.0.1", port: sim.port)
            await other.stop()
        }
        await sim.stop()
    }

    @Test func servesHundredsOfConcurrentStreams() async throws {
        var profile = SimulatorProfile.instant()
        profile.decode = .init(medianMs: 5, spread: 0)
        profile.outputTokens = .init(median: 20, spread: 0, min: 20, max: 20)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 300)
        let sim = try await Simulator.start(profile: profile, host: "127.0.0.1", port: 0)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let url = sim.baseURL + "/chat/completions"
        let ok = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<300 {
                group.addTask {
                    // Generous deadline: CI runs every suite at once on two cores.
                    let result = try? await call(http, url, json: Self.chat("p\(i)", stream: true), timeout: .seconds(120))
                    return result?.1.hasSuffix("data: [DONE]\n\n") == true
                }
            }
            var count = 0
            for await success in group where success { count += 1 }
            return count
        }
        try await http.shutdown()
        await sim.stop()
        #expect(ok == 300)
    }
}
