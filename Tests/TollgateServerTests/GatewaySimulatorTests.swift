import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateTraffic
import TollgateSimulator
@testable import TollgateServer

extension GatewayTests {
    /// The gateway in front of two in-process simulators (TollgateSimulator), as in a rollout.
    @Suite("Gateway in front of simulators")
    struct GatewaySimulatorTests {
        static func profile(model: String) -> SimulatorProfile {
            var profile = SimulatorProfile(seed: 3, models: [model])
            profile.prefill = .init(medianMs: 60, spread: 0.1, perInputTokenMs: 0)
            profile.decode = .init(medianMs: 15, spread: 0.2)
            profile.outputTokens = .init(median: 12, spread: 0, min: 12, max: 12)
            profile.recordSchedule = true
            return profile
        }

        /// Starts the two simulators and a gateway, runs `body`, and stops all three.
        static func withSetup(
            sink: any SampleSink, _ body: (Gateway, RunningGateway, Simulator, HTTPClient) async throws -> Void
        ) async throws {
            let baseline = try await Simulator.start(profile: profile(model: "baseline-model"))
            let candidate = try await Simulator.start(profile: profile(model: "candidate-model"))
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            var running: RunningGateway?
            do {
                let gateway = try Gateway(configuration: GatewayConfiguration(
                    baseline: try Upstream(url: baseline.baseURL), candidate: try Upstream(url: candidate.baseURL),
                    candidatePercent: 100), sampleSink: sink)
                running = try await gateway.start()
                try await body(gateway, running!, candidate, client)
            } catch {
                await running?.stop()
                try? await client.shutdown()
                await baseline.stop()
                await candidate.stop()
                throw error
            }
            await running?.stop()
            try await client.shutdown()
            await baseline.stop()
            await candidate.stop()
        }

        static func chat(_ client: HTTPClient, _ base: String, id: String, fault: String? = nil, stream: Bool = true) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: base + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.headers.add(name: "x-request-id", value: id)
            if let fault { request.headers.add(name: "x-sim-fault", value: fault) }
            request.body = .bytes(ByteBuffer(string: #"{"messages":[{"role":"user","content":"Where is my order?"}],"stream":\#(stream),"stream_options":{"include_usage":true}}"#))
            let response = try await client.execute(request, timeout: .seconds(30))
            var text = ""
            do {
                for try await chunk in response.body { text += String(buffer: chunk) }
            } catch {
                text += "<cut: \(error)>"
            }
            return (Int(response.status.code), text)
        }

        @Test("the gateway's chunk times match when the simulator wrote each token")
        func chunkTimesMatchSchedule() async throws {
            let collector = MemorySampleSink()
            try await Self.withSetup(sink: collector) { gateway, running, candidate, client in
                for i in 0..<5 {
                    let (status, text) = try await Self.chat(client, running.baseURL, id: "timing-\(i)")
                    #expect(status == 200)
                    #expect(text.contains("candidate-model"))
                }
                await gateway.flushSamples()
                let samples = await collector.samples
                #expect(samples.count == 5)
                for sample in samples {
                    let schedule = try #require(candidate.schedule(requestID: sample.requestID))
                    #expect(sample.arm == .candidate)
                    #expect(sample.chunkTimesMs.count == schedule.count)
                    #expect(sample.outputTokens == 12)
                    #expect(sample.finishReason == "stop")
                    #expect(sample.errorClass == nil)
                    // Measured at the gateway from its own start; written by the simulator from its
                    // arrival: the two differ by the loopback hop and scheduling only. A loaded machine
                    // can stall one read by tens of milliseconds, so the typical (median) chunk must be
                    // on time, and the times must keep the written order: chunk times taken when the
                    // stream ended, or when a buffer filled, would be off by up to 180 ms for most chunks.
                    #expect(sample.chunkTimesMs == sample.chunkTimesMs.sorted(), "\(sample.requestID): \(sample.chunkTimesMs)")
                    let offsets = zip(sample.chunkTimesMs, schedule).map { abs($0 - $1) }.sorted()
                    let median = offsets[offsets.count / 2]
                    #expect(median < 25, "\(sample.requestID): measured \(sample.chunkTimesMs) ms, written at \(schedule) ms")
                }
            }
        }

        @Test("faults the candidate injects are passed through and classified")
        func faultsAreClassified() async throws {
            let collector = MemorySampleSink()
            try await Self.withSetup(sink: collector) { gateway, running, _, client in
                let cases: [(String, Int, ErrorClass)] = [
                    ("rate_limited", 429, .http429), ("server_error", 500, .http5xx),
                    ("context_length", 400, .contextLength), ("stream_cut", 200, .streamCut),
                ]
                for (fault, status, _) in cases {
                    let (got, _) = try await Self.chat(client, running.baseURL, id: "fault-\(fault)", fault: fault)
                    #expect(got == status, "\(fault)")
                }
                await gateway.flushSamples()
                let samples = await collector.samples
                for (fault, _, errorClass) in cases {
                    let sample = samples.first { $0.requestID == "fault-\(fault)" }
                    #expect(sample?.errorClass == errorClass, "\(fault)")
                }
                let text = gateway.metrics.prometheusText(weights: .init(candidate: 100, mirror: 0), samples: gateway.samples?.counts)
                #expect(text.contains(#"tollgate_gateway_errors_total{arm="candidate",class="stream_cut"} 1"#))
            }
        }
    }
}
