import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TollgateCore
import TollgateSimulator
@testable import TollgateTraffic

/// The `x-request-id` Tollgate sends, against the simulator's llama.cpp dialect (which, like
/// llama-cpp-python's server, answers 400 with an empty body to a value that is not a UUID).
@Suite("Request ids on the wire")
struct RequestIDTests {
    static var llama: SimulatorProfile {
        var profile = SimulatorProfile.fast()
        profile.dialect = .llamaCpp
        profile.recordSchedule = true
        return profile
    }

    @Test func theWireIDIsAUUIDDerivedFromTheRequestIDTheSameEverywhere() {
        let id = WireRequestID.uuid(for: "line-1")
        #expect(UUID(uuidString: id) != nil)
        #expect(id == WireRequestID.uuid(for: "line-1"))
        #expect(id != WireRequestID.uuid(for: "line-2"))
        // The value benchmarks/traffic/analyze_streams.py computes for the same id.
        #expect(id == "8710fa0a-c227-439b-b5cb-d9718a46d966")
        // Version 4 and the RFC 9562 variant, so v4-only validators accept it.
        let chars = Array(id)
        #expect(chars[14] == "4")
        #expect("89ab".contains(chars[19]))
        // A UUID the caller chose is kept.
        let chosen = "0F1E2D3C-4B5A-4968-8776-655443322110"
        #expect(WireRequestID.uuid(for: chosen) == chosen.lowercased())
    }

    @Test func aServerThatValidatesRequestIDsAnswersEveryRequest() async throws {
        try await withSimulator(Self.llama) { sim, http in
            let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: sim.baseURL))
            let result = await client.send(chatBody("hello"), requestID: "line-1", arm: .baseline)
            #expect(result.sample.errorClass == nil, "\(result.sample.errorMessage ?? "")")
            #expect(result.sample.httpStatus == 200)
            #expect(result.sample.requestID == "line-1", "the sample keeps Tollgate's own id")
            // The simulator saw (and keyed its schedule and faults by) the derived UUID.
            #expect(sim.schedule(requestID: WireRequestID.uuid(for: "line-1")) != nil)
        }
    }

    @Test func retriesCarryTheSameWireID() async throws {
        try await withSimulator(Self.llama) { sim, http in
            // The simulator counts a forced fault per x-request-id: two failures, then success,
            // only when every attempt sends the same id.
            let endpoint = ModelEndpoint(url: sim.baseURL, headers: ["x-sim-fault": "unavailable;times=2"])
            let client = ModelClient(httpClient: http, endpoint: endpoint,
                                     retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5)))
            let result = await client.send(chatBody("hello"), requestID: "line-7", arm: .baseline)
            #expect(result.attempts.map(\.httpStatus) == [503, 503, 200])
        }
    }

    @Test func anEmptyErrorBodyIsSaidToBeEmpty() async throws {
        try await withSimulator(Self.llama) { sim, http in
            // A header the user forces through the endpoint replaces Tollgate's: llama.cpp refuses it.
            let endpoint = ModelEndpoint(url: sim.baseURL, headers: ["x-request-id": "line-1"])
            let result = await ModelClient(httpClient: http, endpoint: endpoint).send(chatBody("hello"), requestID: "line-1", arm: .baseline)
            #expect(result.sample.httpStatus == 400)
            #expect(result.sample.errorClass == .http4xx)
            #expect(result.sample.errorMessage == "HTTP 400 with an empty body")
        }
    }

    @Test func errorBodiesAreReducedToTheServersOwnWords() {
        let openAI = HTTPErrorResponse.describe(status: 500, body: Data(#"{"error":{"message":"bad things","type":"internal_server_error","param":null,"code":null}}"#.utf8))
        #expect(openAI.errorClass == .http5xx)
        #expect(openAI.message == "HTTP 500: bad things internal_server_error")
        let text = HTTPErrorResponse.describe(status: 502, body: Data("Bad Gateway\n".utf8))
        #expect(text.message == "HTTP 502: Bad Gateway")
        let blank = HTTPErrorResponse.describe(status: 503, body: Data("  \n".utf8))
        #expect(blank.message == "HTTP 503 with an empty body")
        #expect(blank.errorClass == .http5xx)
        let context = HTTPErrorResponse.describe(status: 400, body: Data(#"{"error":{"message":"maximum context length is 8 tokens"}}"#.utf8))
        #expect(context.errorClass == .contextLength)
    }
}
