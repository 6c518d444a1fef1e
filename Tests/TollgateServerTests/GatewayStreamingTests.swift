import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOCore
import Testing
import TollgateCore
import TollgateTraffic
@testable import TollgateServer

extension GatewayTests {
    @Suite("Gateway streaming and measurement")
    struct GatewayStreamingTests {
        /// Arrival times (ms after sending) of every body chunk of a streamed request to `base`.
        private func chunkArrivals(_ h: GatewayHarness, base: String, chunks: Int, gap: Int) async throws -> [Double] {
            var request = HTTPClientRequest(url: base + "/v1/chat/completions?chunks=\(chunks)&gap=\(gap)")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: #"{"model":"m","stream":true,"messages":[]}"#))
            let start = ContinuousClock.now
            let response = try await h.client.execute(request, timeout: .seconds(30))
            var arrivals: [Double] = []
            for try await chunk in response.body where String(buffer: chunk).contains("\"content\"") {
                let elapsed = ContinuousClock.now - start
                arrivals.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            }
            return arrivals
        }

        @Test("streamed chunks pass through as they arrive, not buffered, and are measured")
        func streamingPassthrough() async throws {
            let collector = MemorySampleSink()
            try await GatewayHarness.with(sampleSink: collector) { (h: GatewayHarness) async throws in
                let direct = try await chunkArrivals(h, base: h.baseline.url, chunks: 8, gap: 100)
                let proxied = try await chunkArrivals(h, base: h.running.baseURL, chunks: 8, gap: 100)
                #expect(direct.count == 8)
                #expect(proxied.count == 8)
                    // Each chunk reaches the client about when it reaches a direct client (the bound leaves
                // room for a loaded CI machine; the benchmark measures the real difference): a
                // buffering proxy would deliver the first chunk after the last, 700 ms late.
                for (d, p) in zip(direct, proxied) { #expect(p - d < 80, "direct \(d) ms, through gateway \(p) ms") }
                #expect(proxied[0] < direct[7] - 400)

                await h.gateway.flushSamples()
                let samples = await collector.samples
                #expect(samples.count == 1)
                let sample = try #require(samples.first)
                #expect(sample.arm == .baseline)
                #expect(sample.httpStatus == 200)
                #expect(sample.errorClass == nil)
                #expect(sample.chunkTimesMs.count == 8)
                #expect(sample.outputTokens == 8 && sample.tokensEstimated == false)
                #expect(sample.inputTokens == 7)
                #expect(sample.finishReason == "stop")
                let ttft = try #require(sample.ttftMs)
                #expect(ttft > 80 && ttft < 300, "TTFT \(ttft) ms for a first token due after 100 ms")
                #expect(sample.interTokenLatenciesMs.allSatisfy { $0 > 60 && $0 < 300 })
            }
        }

        @Test("metrics expose requests, errors and latency histograms per arm")
        func prometheusMetrics() async throws {
            try await GatewayHarness.with { h in
                _ = try await h.complete()
                _ = try await h.complete(query: "?code=503")
                let text = try await h.send("/metrics").body
                #expect(text.contains(#"tollgate_gateway_requests_total{arm="baseline",code="200"} 1"#))
                #expect(text.contains(#"tollgate_gateway_requests_total{arm="baseline",code="503"} 1"#))
                #expect(text.contains(#"tollgate_gateway_errors_total{arm="baseline",class="http_5xx"} 1"#))
                #expect(text.contains(#"tollgate_gateway_request_duration_seconds_count{arm="baseline"} 2"#))
                #expect(text.contains(#"tollgate_gateway_request_duration_seconds_bucket{arm="baseline",le="+Inf"} 2"#))
                #expect(text.contains("# TYPE tollgate_gateway_ttft_seconds histogram"))
            }
        }
    }
}
