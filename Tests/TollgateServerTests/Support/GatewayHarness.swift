import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
@testable import TollgateServer

/// Two test upstreams, a gateway in front of them and a client, started for one test and
/// stopped afterwards whether the test passed or threw.
struct GatewayHarness: Sendable {
    let baseline: TestUpstream
    let candidate: TestUpstream
    let gateway: Gateway
    let running: RunningGateway
    let client: HTTPClient

    static let token = "test-token-0123456789"

    static func with<T: Sendable>(
        baselineDelay: Duration = .zero,
        candidateDelay: Duration = .zero,
        sampleSink: (any SampleSink)? = nil,
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        let baseline = try await TestUpstream.start(name: "baseline", delay: baselineDelay)
        let candidate: TestUpstream
        do { candidate = try await TestUpstream.start(name: "candidate", delay: candidateDelay) } catch {
            await baseline.stop(); throw error
        }
        var client = HTTPClient.Configuration()
        client.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        client.decompression = .disabled
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: client)
        var gateway: Gateway?
        var running: RunningGateway?
        do {
            var configuration = GatewayConfiguration(
                baseline: try Upstream(url: baseline.url), candidate: try Upstream(url: candidate.url), adminToken: token)
            configure(&configuration)
            gateway = try Gateway(configuration: configuration, sampleSink: sampleSink)
            running = try await gateway!.start()
            let harness = GatewayHarness(baseline: baseline, candidate: candidate, gateway: gateway!, running: running!, client: httpClient)
            let result = try await body(harness)
            await running?.stop()
            try? await httpClient.shutdown()
            await baseline.stop()
            await candidate.stop()
            return result
        } catch {
            await running?.stop()
            try? await httpClient.shutdown()
            await baseline.stop()
            await candidate.stop()
            throw error
        }
    }

    /// Sends a completion request (an inference request, measured and sampled) through the gateway.
    func complete(query: String = "", headers: [(String, String)] = [], to base: String? = nil) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        try await send("/v1/completions" + query, method: .POST, headers: [("content-type", "application/json")] + headers,
                       body: #"{"model":"m","prompt":"hello"}"#, to: base)
    }

    /// Sends a request through the gateway and returns status, headers and the whole body.
    func send(
        _ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil, to base: String? = nil
    ) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: (base ?? running.baseURL) + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers, String(buffer: bytes))
    }
}

import TollgateCore
import TollgateTraffic

/// Waits until `condition` holds, checking every 20 ms, for at most `timeout`.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
