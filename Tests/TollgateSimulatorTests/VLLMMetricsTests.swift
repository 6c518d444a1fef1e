import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import TollgateSimulator

@Suite("Simulator /metrics (vLLM-compatible)")
struct VLLMMetricsTests {
    /// The value of the exposition line that starts with `series ` (labels included, as written).
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func exportsVLLMHistogramsCountersAndStatusesLabelledWithTheServedModel() async throws {
        let profile = SimulatorProfile(seed: 3, models: ["chat-a"], prefill: .init(medianMs: 150, spread: 0, perInputTokenMs: 0),
                                       decode: .init(medianMs: 37, spread: 0),
                                       outputTokens: .init(median: 4, spread: 0, min: 4, max: 4))
        let harness = SimulatorTests()
        try await harness.withSim(profile) { sim, http in
            for i in 0..<3 {
                let (status, _, _) = try await harness.call(http, sim.baseURL + "/chat/completions",
                                                            json: SimulatorTests.chat("streamed \(i)", stream: true))
                #expect(status == 200)
            }
            let (whole, _, _) = try await harness.call(http, sim.baseURL + "/chat/completions", json: SimulatorTests.chat("whole"))
            #expect(whole == 200)
            let (failed, _, _) = try await harness.call(http, sim.baseURL + "/chat/completions", json: SimulatorTests.chat("fails"),
                                                        headers: ["x-sim-fault": "server_error"])
            #expect(failed == 500)
            let (status, text, headers) = try await harness.call(http, "http://127.0.0.1:\(sim.port)/metrics")
            #expect(status == 200)
            #expect(headers["content-type"]?.hasPrefix("text/plain") == true)
            let ttft = "vllm:time_to_first_token_seconds"
            #expect(text.contains("# TYPE \(ttft) histogram"))
            // Chunks are written no earlier than due (150 ms prefill, then 37 ms gaps), so no TTFT is at or
            // below the 0.1 s edge; a loaded machine can only make them later. (Exact bucket placement is
            // tested without timing below.)
            #expect(Self.value(text, #"\#(ttft)_bucket{model_name="chat-a",le="0.1"}"#) == 0)
            #expect(Self.value(text, #"\#(ttft)_bucket{model_name="chat-a",le="+Inf"}"#) == 4)
            #expect(Self.value(text, #"\#(ttft)_count{model_name="chat-a"}"#) == 4)
            let sum = try #require(Self.value(text, #"\#(ttft)_sum{model_name="chat-a"}"#))
            #expect(sum >= 0.6)
            // Three gaps per 4-token answer.
            let itl = "vllm:inter_token_latency_seconds"
            #expect(Self.value(text, #"\#(itl)_count{model_name="chat-a"}"#) == 12)
            #expect(Self.value(text, #"vllm:request_generation_tokens_bucket{model_name="chat-a",le="5.0"}"#) == 4)
            #expect(Self.value(text, #"vllm:request_success_total{finished_reason="stop",model_name="chat-a"}"#) == 4)
            #expect(Self.value(text, #"vllm:generation_tokens_total{model_name="chat-a"}"#) == 16)
            #expect(Self.value(text, #"http_requests_total{handler="/v1/chat/completions",method="POST",status="2xx"}"#) == 4)
            #expect(Self.value(text, #"http_requests_total{handler="/v1/chat/completions",method="POST",status="5xx"}"#) == 1)
            for name in ["vllm:e2e_request_latency_seconds", "vllm:request_time_per_output_token_seconds", "vllm:request_queue_time_seconds",
                         "vllm:request_prefill_time_seconds", "vllm:request_decode_time_seconds", "vllm:request_prompt_tokens",
                         "vllm:prompt_tokens_total", "vllm:num_preemptions_total", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"] {
                #expect(text.contains("# TYPE \(name) "), "missing \(name)")
            }
        }
    }

    @Test func bucketsAreCumulativeAndEveryServedModelHasSeriesFromTheStart() {
        let metrics = VLLMMetrics(models: ["a", "b"])
        metrics.finished(.init(model: "a", ttft: 0.03, gaps: [0.02], e2e: 0.05, promptTokens: 3, generationTokens: 2, finishReason: "length"))
        metrics.finished(.init(model: "a", ttft: 0.7, gaps: [], e2e: 0.7, promptTokens: 3, generationTokens: 1, finishReason: "stop"))
        let text = metrics.render()
        let ttft = "vllm:time_to_first_token_seconds_bucket"
        #expect(Self.value(text, #"\#(ttft){model_name="a",le="0.02"}"#) == 0)
        #expect(Self.value(text, #"\#(ttft){model_name="a",le="0.04"}"#) == 1)
        #expect(Self.value(text, #"\#(ttft){model_name="a",le="0.5"}"#) == 1)
        #expect(Self.value(text, #"\#(ttft){model_name="a",le="0.75"}"#) == 2)
        #expect(Self.value(text, #"\#(ttft){model_name="b",le="+Inf"}"#) == 0)
        #expect(Self.value(text, #"vllm:request_success_total{finished_reason="length",model_name="a"}"#) == 1)
        metrics.started(model: "b")
        #expect(Self.value(metrics.render(), #"vllm:num_requests_running{model_name="b"}"#) == 1)
        metrics.stopped(model: "b")
        #expect(Self.value(metrics.render(), #"vllm:num_requests_running{model_name="b"}"#) == 0)
        #expect(metrics.modelName(requested: "b") == "b")
        #expect(metrics.modelName(requested: "unknown") == "a")
        #expect(metrics.modelName(requested: nil) == "a")
    }

    @Test func queueTimeIsTheWaitForASlotAndCountsInTTFTAndE2EAsVLLMDoes() async throws {
        // Capacity 1, two requests at once: one is served at once, the other waits a whole answer (1 s;
        // long beside a loaded machine's scheduling delays, so the two overlap).
        let profile = ServingTests.profile(prefillMs: 1000, .init(capacity: 1))
        let harness = SimulatorTests()
        try await harness.withSim(profile) { sim, http in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<2 { group.addTask { try await harness.call(http, sim.baseURL + "/chat/completions", json: SimulatorTests.chat("q \(i)")).0 } }
                for try await status in group { #expect(status == 200) }
            }
            let (_, text, _) = try await harness.call(http, "http://127.0.0.1:\(sim.port)/metrics")
            let queue = "vllm:request_queue_time_seconds", model = #"model_name="tollgate-sim""#
            #expect(Self.value(text, "\(queue)_count{\(model)}") == 2)
            // vLLM's request-latency edges: the one served at once is at or below 0.3 s, the queued one above.
            #expect(Self.value(text, #"\#(queue)_bucket{\#(model),le="0.3"}"#) == 1, "\(text)")
            #expect(Self.value(text, #"\#(queue)_bucket{\#(model),le="+Inf"}"#) == 2)
            let waited = try #require(Self.value(text, "\(queue)_sum{\(model)}"))
            #expect(waited >= 0.3 && waited < 10, "\(waited)")
            // TTFT and e2e include the wait; the prefill histogram does not.
            let ttft = try #require(Self.value(text, "vllm:time_to_first_token_seconds_sum{\(model)}"))
            let prefill = try #require(Self.value(text, "vllm:request_prefill_time_seconds_sum{\(model)}"))
            #expect(abs(ttft - prefill - waited) < 1e-6 && prefill >= 1.99, "ttft \(ttft) prefill \(prefill) queue \(waited)")
        }
    }

    @Test func theQueueHistogramAndThePrefillSplitFollowTheFinishedRequest() {
        let metrics = VLLMMetrics(models: ["a"])
        metrics.finished(.init(model: "a", ttft: 0.9, gaps: [], e2e: 1.2, promptTokens: 3, generationTokens: 1, finishReason: "stop", queue: 0.4))
        let text = metrics.render()
        #expect(Self.value(text, #"vllm:request_queue_time_seconds_bucket{model_name="a",le="0.3"}"#) == 0)
        #expect(Self.value(text, #"vllm:request_queue_time_seconds_bucket{model_name="a",le="0.5"}"#) == 1)
        #expect(Self.value(text, #"vllm:request_prefill_time_seconds_bucket{model_name="a",le="0.5"}"#) == 1)
        #expect(Self.value(text, #"vllm:request_prefill_time_seconds_bucket{model_name="a",le="0.3"}"#) == 0)
    }

    @Test func numbersAreWrittenAsPrometheusClientWritesThem() {
        #expect(VLLMMetrics.number(1) == "1.0")
        #expect(VLLMMetrics.number(0.001) == "0.001")
        #expect(VLLMMetrics.number(2560) == "2560.0")
    }
}
