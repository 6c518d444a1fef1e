import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
@testable import TollgateTraffic

/// Runs against a real llama.cpp OpenAI-compatible server when `TOLLGATE_LLAMA_URL` names it
/// (e.g. `http://127.0.0.1:8080/v1`, see PEERS.md for how to start one); skipped otherwise.
@Suite("llama.cpp integration", .enabled(if: ProcessInfo.processInfo.environment["TOLLGATE_LLAMA_URL"] != nil,
                                         "set TOLLGATE_LLAMA_URL to a llama.cpp server's /v1 URL"))
struct LlamaIntegrationTests {
    static var url: String { ProcessInfo.processInfo.environment["TOLLGATE_LLAMA_URL"] ?? "" }

    @Test func streamsAndMeasuresARealModel() async throws {
        let http = ModelClient.makeHTTPClient(concurrency: 2)
        let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: Self.url),
                                 timeouts: ClientTimeouts(firstToken: .seconds(60), idle: .seconds(30), total: .seconds(120)),
                                 keepResponseText: true)
        var body = chatBody("Say hello in five words.")
        body["max_tokens"] = .integer(16)
        body["temperature"] = .number(0)
        let result = await client.send(body, requestID: "llama-1", arm: .baseline)
        let whole = await client.send(chatBody("Name a colour.", stream: false), requestID: "llama-2", arm: .baseline)
        try await http.shutdown()
        let s = result.sample
        #expect(s.errorClass == nil, "\(s.errorMessage ?? "")")
        #expect(s.ttftMs != nil)
        #expect(!s.chunkTimesMs.isEmpty)
        #expect(s.finishReason != nil)
        #expect((s.responseText ?? "").isEmpty == false)
        #expect(whole.sample.errorClass == nil, "\(whole.sample.errorMessage ?? "")")
    }
}
