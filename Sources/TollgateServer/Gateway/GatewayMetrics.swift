import Foundation
import NIOConcurrencyHelpers
import TollgateCore

/// The gateway's counters and latency histograms, updated by every request and read by
/// `/metrics` (Prometheus text format 0.0.4) and `GET /admin/stats`.
final class GatewayMetrics: Sendable {
    /// Upper bounds of the latency histogram buckets, in seconds (`+Inf` is implied).
    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    struct Histogram: Sendable {
        var counts = [Int](repeating: 0, count: GatewayMetrics.bucketBounds.count)
        var count = 0
        var sum = 0.0

        mutating func observe(_ seconds: Double) {
            count += 1
            sum += seconds
            if let index = GatewayMetrics.bucketBounds.firstIndex(where: { seconds <= $0 }) { counts[index] += 1 }
        }
    }

    struct Mirror: Sendable, Codable, Equatable {
        var enqueued = 0
        var dropped = 0
        var completed = 0
        var failed = 0
    }

    struct State: Sendable {
        var requests: [Arm: [Int: Int]] = [:]
        var errors: [Arm: [ErrorClass: Int]] = [:]
        var inFlight: [Arm: Int] = [:]
        var e2e: [Arm: Histogram] = [:]
        var ttft: [Arm: Histogram] = [:]
        var mirror = Mirror()
        var rejected: [Int: Int] = [:]
        var stickyMisses = 0
        /// Requests that are not inference (`GET /v1/models`…), passed through unmeasured.
        var passedThrough: [Arm: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())
    let started = Date()

    func requestStarted(_ arm: Arm) {
        state.withLockedValue { $0.inFlight[arm, default: 0] += 1 }
    }

    /// A request that started towards an arm but was refused before it reached it (body too large).
    func requestAbandoned(_ arm: Arm) {
        state.withLockedValue { $0.inFlight[arm, default: 0] -= 1 }
    }

    /// Records a finished request (or mirrored copy) from its sample.
    func requestFinished(_ sample: Sample) {
        state.withLockedValue { state in
            let arm = sample.arm
            state.inFlight[arm, default: 0] -= 1
            state.requests[arm, default: [:]][sample.httpStatus ?? 0, default: 0] += 1
            if let errorClass = sample.errorClass { state.errors[arm, default: [:]][errorClass, default: 0] += 1 }
            if let e2e = sample.e2eMs { state.e2e[arm, default: Histogram()].observe(e2e / 1000) }
            if let ttft = sample.ttftMs { state.ttft[arm, default: Histogram()].observe(ttft / 1000) }
        }
    }

    /// A request the gateway answered itself without choosing an arm (413, 400).
    func rejected(status: Int) { state.withLockedValue { $0.rejected[status, default: 0] += 1 } }
    func stickyMiss() { state.withLockedValue { $0.stickyMisses += 1 } }
    func mirror(_ update: @Sendable (inout Mirror) -> Void) { state.withLockedValue { update(&$0.mirror) } }
    func passedThrough(_ arm: Arm) { state.withLockedValue { $0.passedThrough[arm, default: 0] += 1 } }

    var snapshot: State { state.withLockedValue { $0 } }

    /// `/metrics`: Prometheus text exposition format. `samples` are the sample writer's counters
    /// (`nil` when the gateway records no samples: all zero).
    func prometheusText(weights: TrafficSplit.Weights, samples: SampleBatchWriter.Counters?) -> String {
        let s = snapshot
        var out = PrometheusExposition()
        out.family("tollgate_gateway_requests_total", .counter, help: "Requests answered per arm and HTTP status (shadow: mirrored copies).")
        for arm in Arm.allCases { for (code, n) in (s.requests[arm] ?? [:]).sorted(by: { $0.key < $1.key }) {
            out.sample("tollgate_gateway_requests_total", labels: [("arm", arm.rawValue), ("code", String(code))], n)
        } }
        out.family("tollgate_gateway_errors_total", .counter, help: "Failed requests per arm and error class.")
        for arm in Arm.allCases { for (errorClass, n) in (s.errors[arm] ?? [:]).sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            out.sample("tollgate_gateway_errors_total", labels: [("arm", arm.rawValue), ("class", errorClass.rawValue)], n)
        } }
        out.family("tollgate_gateway_in_flight", .gauge, help: "Requests in flight per arm.")
        for arm in Arm.allCases { out.sample("tollgate_gateway_in_flight", labels: [("arm", arm.rawValue)], s.inFlight[arm] ?? 0) }
        histogram(&out, "tollgate_gateway_request_duration_seconds", "End-to-end request latency per arm, until the last byte.", s.e2e)
        histogram(&out, "tollgate_gateway_ttft_seconds", "Time to first token of streamed responses per arm.", s.ttft)
        out.family("tollgate_gateway_rejected_total", .counter, help: "Requests the gateway refused itself, per HTTP status.")
        for (code, n) in s.rejected.sorted(by: { $0.key < $1.key }) { out.sample("tollgate_gateway_rejected_total", labels: [("code", String(code))], n) }
        out.family("tollgate_gateway_mirror_total", .counter, help: "Shadow copies by outcome: enqueued, dropped (queue full), completed, failed.")
        for (name, n) in [("enqueued", s.mirror.enqueued), ("dropped", s.mirror.dropped), ("completed", s.mirror.completed), ("failed", s.mirror.failed)] {
            out.sample("tollgate_gateway_mirror_total", labels: [("outcome", name)], n)
        }
        out.family("tollgate_gateway_sticky_misses_total", .counter, help: "Requests with stickiness on but no sticky key found.")
        out.sample("tollgate_gateway_sticky_misses_total", s.stickyMisses)
        out.family("tollgate_gateway_samples_total", .counter, help: "Per-request samples by fate: written to SQLite, dropped (queue full), failed writes.")
        let counts = samples ?? SampleBatchWriter.Counters()
        for (name, n) in [("written", counts.written), ("dropped", counts.dropped), ("failed", counts.failedWrites)] {
            out.sample("tollgate_gateway_samples_total", labels: [("outcome", name)], n)
        }
        out.family("tollgate_gateway_passthrough_total", .counter, help: "Requests that are not inference (model lists…), passed through without a sample, per arm.")
        for arm in Arm.allCases { if let n = s.passedThrough[arm] { out.sample("tollgate_gateway_passthrough_total", labels: [("arm", arm.rawValue)], n) } }
        out.family("tollgate_gateway_candidate_weight_percent", .gauge, help: "Share of user requests routed to the candidate.")
        out.sample("tollgate_gateway_candidate_weight_percent", weights.candidate)
        out.family("tollgate_gateway_mirror_percent", .gauge, help: "Share of baseline requests mirrored to the candidate.")
        out.sample("tollgate_gateway_mirror_percent", weights.mirror)
        return out.text
    }

    private func histogram(_ out: inout PrometheusExposition, _ name: String, _ help: String, _ values: [Arm: Histogram]) {
        out.family(name, .histogram, help: help)
        for arm in Arm.allCases {
            guard let h = values[arm] else { continue }
            out.histogram(name, labels: [("arm", arm.rawValue)], bounds: Self.bucketBounds, counts: h.counts, sum: h.sum, count: h.count)
        }
    }
}
