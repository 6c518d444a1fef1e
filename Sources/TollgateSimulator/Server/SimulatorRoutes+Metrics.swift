import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension SimulatorRoutes {
    /// Serves the vLLM-compatible series at `GET /metrics`, in the Prometheus text format.
    func registerMetrics(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { [self] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
    }

    /// Counts `response` in `http_requests_total` by its status class, then returns it.
    func counted(_ response: Response, _ handler: String) -> Response {
        metrics.responded(status: Int(response.status.code), handler: handler)
        return response
    }
}

/// The measured times of one generation's content chunks, turned into vLLM's per-request observations.
struct TokenTiming {
    private var firstMs: Double?
    private var lastMs: Double?
    private var gapsMs: [Double] = []

    /// Notes that a content chunk was written `atMs` milliseconds after the request arrived.
    mutating func wrote(atMs: Double) {
        if let lastMs { gapsMs.append(atMs - lastMs) }
        if firstMs == nil { firstMs = atMs }
        lastMs = atMs
    }

    /// - Parameters:
    ///   - e2eMs: from the start of the prefill (the times of ``wrote(atMs:)`` run from there too).
    ///   - queueMs: how long the request waited for a slot before that start.
    func finished(model: String, e2eMs: Double, queueMs: Double, promptTokens: Int, generationTokens: Int,
                  finishReason: String) -> VLLMMetrics.Finished {
        VLLMMetrics.Finished(model: model, ttft: (queueMs + (firstMs ?? e2eMs)) / 1000, gaps: gapsMs.map { $0 / 1000 },
                             e2e: (queueMs + e2eMs) / 1000, promptTokens: promptTokens, generationTokens: generationTokens,
                             finishReason: finishReason, queue: queueMs / 1000)
    }

    /// A non-streamed answer: its tokens were due on the plan's schedule (shifted by a stall).
    static func whole(_ plan: ResponsePlan, stallMs: Double, model: String, e2eMs: Double, queueMs: Double, promptTokens: Int,
                      choices: Int) -> VLLMMetrics.Finished {
        var timing = TokenTiming()
        for due in plan.dueMs { timing.wrote(atMs: due + stallMs) }
        return timing.finished(model: model, e2eMs: e2eMs, queueMs: queueMs, promptTokens: promptTokens,
                               generationTokens: plan.tokens.count * choices, finishReason: plan.finishReason)
    }
}
