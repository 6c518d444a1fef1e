import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateSimulator
@testable import TollgateTraffic

@Suite("Model client against a misbehaving simulator")
struct ClientErrorClassTests {
    /// Short enough to keep the tests quick, long enough for a CI machine running every suite at
    /// once on two cores; the simulator's injected stalls (30 s in `SimulatorProfile.fast`) are
    /// far longer, and stopping the simulator ends them.
    static let quickTimeouts = ClientTimeouts(connect: .seconds(5), firstToken: .seconds(3),
                                              idle: .seconds(3), total: .seconds(25))

    static func send(_ sim: Simulator, _ http: HTTPClient, fault: String? = nil, body: JSONValue = chatBody("hello there"),
                     timeouts: ClientTimeouts = quickTimeouts, retry: RetryPolicy = .none,
                     api: ModelAPI = .chat, model: String? = nil) async -> ModelResult {
        var headers: [String: String] = [:]
        if let fault { headers["x-sim-fault"] = fault }
        let endpoint = ModelEndpoint(url: sim.baseURL, api: api, model: model, headers: headers)
        let client = ModelClient(httpClient: http, endpoint: endpoint, timeouts: timeouts, retry: retry, keepResponseText: true)
        return await client.send(body, requestID: UUID().uuidString, arm: .candidate)
    }

    @Test func measuresASuccessfulStreamTokenByToken() async throws {
        try await withSimulator { sim, http in
            let s = await Self.send(sim, http).sample
            #expect(s.errorClass == nil, "\(s.errorMessage ?? "")")
            #expect(s.httpStatus == 200)
            #expect(s.finishReason == "stop")
            #expect(s.outputTokens == 12)
            #expect(s.tokensEstimated == false)
            #expect(s.chunkTimesMs.count == 12)
            #expect(s.inputTokens != nil)
            #expect((s.responseText ?? "").split(separator: " ").count == 12)
            // The role-only chunk arrives at once; TTFT waits for the 20 ms prefill.
            let ttft = try #require(s.ttftMs)
            let firstByte = try #require(s.firstByteMs)
            #expect(ttft >= 19)
            #expect(firstByte < ttft)
            #expect(s.e2eMs == s.chunkTimesMs.last)
            #expect(s.interTokenLatenciesMs.count == 11)
        }
    }

    @Test func measuresNonStreamedCompletionsAndEmbeddings() async throws {
        try await withSimulator { sim, http in
            let whole = await Self.send(sim, http, body: chatBody("hi", stream: false)).sample
            #expect(whole.errorClass == nil)
            #expect(whole.outputTokens == 12)
            #expect(whole.ttftMs == nil)
            #expect(whole.e2eMs != nil)
            let completion = await Self.send(sim, http, body: .object(["prompt": .string("Once"), "stream": .bool(true)]),
                                             api: .completions).sample
            #expect(completion.errorClass == nil)
            #expect(completion.chunkTimesMs.count == 12)
            let embedding = await Self.send(sim, http, body: .object(["input": .string("a text")]), api: .embeddings).sample
            #expect(embedding.errorClass == nil)
            #expect(embedding.inputTokens != nil)
        }
    }

    @Test(arguments: [
        ("rate_limited", ErrorClass.http429),
        ("server_error", .http5xx),
        ("unavailable", .http5xx),
        ("out_of_memory", .oom),
        ("stream_cut", .streamCut),
        ("malformed", .malformed),
        ("stall_first_token", .timeoutFirstToken),
        ("stall_mid_stream", .timeoutIdle),
        ("context_length", .contextLength),
        ("model_not_found", .modelNotFound),
    ])
    func classifiesEachInjectedFault(fault: String, expected: ErrorClass) async throws {
        try await withSimulator { sim, http in
            let s = await Self.send(sim, http, fault: fault).sample
            #expect(s.errorClass == expected, "\(fault): \(s.errorMessage ?? "no message")")
            #expect(s.errorMessage?.isEmpty == false)
        }
    }

    @Test func classifiesNonStreamedFaults() async throws {
        try await withSimulator { sim, http in
            let cut = await Self.send(sim, http, fault: "stream_cut", body: chatBody("x", stream: false)).sample
            #expect(cut.errorClass == .streamCut, "\(cut.errorMessage ?? "")")
            let bad = await Self.send(sim, http, fault: "malformed", body: chatBody("x", stream: false)).sample
            #expect(bad.errorClass == .malformed)
            let stall = await Self.send(sim, http, fault: "stall_first_token", body: chatBody("x", stream: false)).sample
            #expect(stall.errorClass == .timeoutFirstToken)
        }
    }

    @Test func classifiesContextLengthAndUnknownModelsFromTheProfile() async throws {
        var profile = SimulatorProfile.fast()
        profile.maxInputTokens = 8
        profile.rejectUnknownModels = true
        try await withSimulator(profile) { sim, http in
            let long = await Self.send(sim, http, body: chatBody(String(repeating: "word ", count: 40))).sample
            #expect(long.errorClass == .contextLength)
            #expect(long.httpStatus == 400)
            let unknown = await Self.send(sim, http, body: chatBody("hi"), model: "no-such-model").sample
            #expect(unknown.errorClass == .modelNotFound)
            let known = await Self.send(sim, http, body: chatBody("hi"), model: "tollgate-sim").sample
            #expect(known.errorClass == nil)
        }
    }

    @Test func classifiesABadRequestAsHTTP4xx() async throws {
        try await withSimulator { sim, http in
            let s = await Self.send(sim, http, body: .object(["messages": .string("not a list")])).sample
            #expect(s.errorClass == .http4xx)
            #expect(s.httpStatus == 400)
        }
    }

    @Test func classifiesATotalTimeout() async throws {
        var profile = SimulatorProfile.fast()
        profile.decode = .init(medianMs: 200, spread: 0)
        try await withSimulator(profile) { sim, http in
            let timeouts = ClientTimeouts(firstToken: .seconds(5), idle: .seconds(5), total: .milliseconds(800))
            let s = await Self.send(sim, http, timeouts: timeouts).sample
            #expect(s.errorClass == .timeoutTotal, "\(s.errorMessage ?? "")")
            #expect(s.chunkTimesMs.count < 12)
        }
    }

    @Test func classifiesARefusedConnection() async throws {
        let sim = try await Simulator.start(profile: .fast(), host: "127.0.0.1", port: 0)
        let port = sim.port
        await sim.stop()
        let http = ModelClient.makeHTTPClient(concurrency: 4, connectTimeout: .seconds(2))
        let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: "http://127.0.0.1:\(port)/v1"),
                                 timeouts: Self.quickTimeouts, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
        let result = await client.send(chatBody("hi"), requestID: "r1", arm: .baseline)
        try await http.shutdown()
        #expect(result.sample.errorClass == .connect, "\(result.sample.errorMessage ?? "")")
        #expect(result.attempts.count == 3)
        #expect(result.attempts.allSatisfy { $0.errorClass == .connect })
        #expect(result.sample.attempts == 3)
        // The system's reason, in words whose brackets balance.
        let message = result.sample.errorMessage ?? ""
        #expect(message.lowercased().contains("refused"), "\(message)")
        #expect(message.filter { $0 == "(" }.count == message.filter { $0 == ")" }.count, "\(message)")
        #expect(message.filter { $0 == "[" }.count == message.filter { $0 == "]" }.count, "\(message)")
    }

    @Test func understandsTransformersAndLlamaCppStreams() async throws {
        var transformers = SimulatorProfile.fast()
        transformers.dialect = .transformers
        try await withSimulator(transformers) { sim, http in
            let s = await Self.send(sim, http).sample
            #expect(s.errorClass == nil, "no [DONE] is fine when a finish reason came")
            #expect(s.outputTokens == 12)
            #expect(s.tokensEstimated == false)
        }
        var llama = SimulatorProfile.fast()
        llama.dialect = .llamaCpp
        try await withSimulator(llama) { sim, http in
            let ok = await Self.send(sim, http).sample
            #expect(ok.errorClass == nil)
            #expect(ok.tokensEstimated == true, "llama.cpp sends no usage: tokens are counted")
            #expect(ok.outputTokens == 12)
            let cut = await Self.send(sim, http, fault: "stream_cut").sample
            #expect(cut.errorClass == .streamCut)
            #expect(cut.errorMessage?.contains("[DONE]") == true)
        }
    }
}
