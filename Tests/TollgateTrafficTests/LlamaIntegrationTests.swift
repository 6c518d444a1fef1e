import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateTestSupport
@testable import TollgateTraffic

/// The model client against a real llama.cpp OpenAI server (llama-cpp-python, SmolLM2-135M), started
/// by each test on a free port and stopped by PID. CI installs it (`scripts/peers/setup.sh`);
/// without it the suite is skipped with "skipped: llama.cpp server not installed".
@Suite("llama.cpp server", .serialized, .enabled(if: LlamaPeer.installed != nil, Comment(rawValue: LlamaPeer.skipReason)))
struct LlamaIntegrationTests {
    static let timeouts = ClientTimeouts(connect: .seconds(5), firstToken: .seconds(60), idle: .seconds(30), total: .seconds(120))

    /// Starts one server, runs `body` with a client for it, and stops both, also when `body` throws.
    static func withServer(interruptRequests: Bool = false, _ body: (LlamaServer, HTTPClient) async throws -> Void) async throws {
        let peer = try #require(LlamaPeer.installed)
        let server = try await LlamaServer(python: peer.python, model: peer.baselineModel, interruptRequests: interruptRequests)
        defer { server.stop() }
        let http = ModelClient.makeHTTPClient(concurrency: 4)
        do {
            try await body(server, http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    static func ask(_ prompt: String, maxTokens: Int, stream: Bool = true) -> JSONValue {
        var body = chatBody(prompt, stream: stream)
        body["max_tokens"] = .integer(maxTokens)
        body["temperature"] = .number(0)
        return body
    }

    @Test(.timeLimit(.minutes(3)))
    func streamsAndMeasuresARealModelWithTollgatesOwnRequestIDs() async throws {
        try await Self.withServer { server, http in
            let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: server.baseURL),
                                     timeouts: Self.timeouts, keepResponseText: true)
            // "line-1" is what replay sends for a traffic line; the server only takes UUIDs.
            let streamed = await client.send(Self.ask("Say hello in five words.", maxTokens: 8), requestID: "line-1", arm: .baseline).sample
            #expect(streamed.errorClass == nil, "\(streamed.errorMessage ?? "")")
            #expect(streamed.ttftMs != nil)
            #expect(streamed.chunkTimesMs.count >= 2)
            #expect(streamed.finishReason != nil)
            #expect(streamed.tokensEstimated, "llama.cpp streams carry no usage")
            #expect(!(streamed.responseText ?? "").isEmpty)
            let whole = await client.send(Self.ask("Name a colour.", maxTokens: 4, stream: false), requestID: "line-2", arm: .baseline).sample
            #expect(whole.errorClass == nil, "\(whole.errorMessage ?? "")")
            #expect(whole.outputTokens != nil)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aRefusedRequestIDIsRecordedAsAnEmptyBody400() async throws {
        try await Self.withServer { server, http in
            // A header forced through the endpoint replaces Tollgate's UUID: the server refuses it.
            let endpoint = ModelEndpoint(url: server.baseURL, headers: ["x-request-id": "line-1"])
            let sample = await ModelClient(httpClient: http, endpoint: endpoint, timeouts: Self.timeouts)
                .send(Self.ask("hi", maxTokens: 2), requestID: "line-1", arm: .baseline).sample
            #expect(sample.httpStatus == 400)
            #expect(sample.errorClass == .http4xx)
            #expect(sample.errorMessage == "HTTP 400 with an empty body")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aBodyTheServerRefusesIsClassifiedWithItsMessage() async throws {
        try await Self.withServer { server, http in
            let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: server.baseURL), timeouts: Self.timeouts)
            let bad: JSONValue = .object(["messages": .string("not a list of messages"), "max_tokens": .integer(2)])
            let sample = await client.send(bad, requestID: "bad-1", arm: .candidate).sample
            // llama-cpp-python answers a body it cannot validate with 500 (not 400), and says why.
            #expect(sample.httpStatus == 500)
            #expect(sample.errorClass == .http5xx)
            let message = try #require(sample.errorMessage)
            #expect(message.hasPrefix("HTTP 500: "), "\(message)")
            #expect(message.contains("messages"), "the server's own words are kept: \(message)")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aStreamCutByASecondRequestIsClassifiedStreamCut() async throws {
        try await Self.withServer(interruptRequests: true) { server, http in
            let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: server.baseURL), timeouts: Self.timeouts)
            // Whichever of the two the server takes first is cut when the other one queues: it
            // ends with no finish reason. The one that runs alone finishes.
            async let first = client.send(Self.ask("Count from one to one hundred.", maxTokens: 48), requestID: "cut-1", arm: .baseline)
            async let second = client.send(Self.ask("Count from one to one hundred.", maxTokens: 48), requestID: "cut-2", arm: .baseline)
            let samples = await [first.sample, second.sample]
            let cut = samples.filter { $0.errorClass == .streamCut }
            #expect(cut.count == 1, "\(samples.map { "\($0.requestID): \($0.errorClass?.rawValue ?? "ok") \($0.errorMessage ?? "")" })")
            for s in cut {
                #expect(s.finishReason == nil)
                // llama-cpp-python 0.3.16 ends the cut response without finishing its chunked body
                // ("stream ended at an unexpected time"); older versions sent [DONE] first. Both are cuts.
                let said = s.errorMessage ?? ""
                #expect(said.contains("without a finish reason") || said.contains("before the server said the generation finished"), "\(said)")
            }
            #expect(samples.contains { $0.errorClass == nil && $0.finishReason != nil })
        }
    }
}
