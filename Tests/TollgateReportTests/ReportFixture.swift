import Foundation
import TollgateCore
import TollgateStore
import TollgateTestSupport

/// A rollout stored directly (no engine, no network): a shadow stage and a canary stage with
/// seeded samples, two sequential looks whose detail carries boundaries, an alert-driven command
/// and a rollback, all at fixed times.
struct ReportFixture {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)
    let folder: TemporaryFolder
    let store: RunStore
    let runID: String

    /// A 64-bit LCG (Knuth's MMIX constants): the same seed gives the same samples on every platform.
    struct Seeded {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        /// A log-normal draw with the given median.
        mutating func latency(median: Double, spread: Double = 0.35) -> Double {
            let u1 = max(next(), 1e-12), u2 = next()
            let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            return median * exp(spread * z)
        }
    }

    static func samples(arm: Arm, count: Int, median: Double, errorEvery: Int, seed: UInt64, at: Date) -> [Sample] {
        var random = Seeded(state: seed)
        return (0..<count).map { i in
            let ttft = random.latency(median: median)
            let gaps = (0..<6).map { _ in random.latency(median: 12, spread: 0.2) }
            var chunks: [Double] = []
            var t = ttft
            for gap in gaps { chunks.append(t); t += gap }
            let failed = errorEvery > 0 && i % errorEvery == errorEvery - 1
            return Sample(requestID: "r\(i)", arm: arm, startedAt: at.addingTimeInterval(Double(i) * 0.05),
                          ttftMs: failed ? nil : ttft, chunkTimesMs: failed ? [] : chunks, e2eMs: failed ? 30 : t,
                          inputTokens: 40, outputTokens: failed ? 0 : 6, httpStatus: failed ? 500 : 200,
                          errorClass: failed ? (i % 2 == 0 ? .http5xx : .timeoutIdle) : nil)
        }
    }

    /// A stored verdict as the engine writes it: the stage verdict with the judge's detail as JSON text.
    static func verdictPayload(decision: String, score: Double, look: Int, ttft: (Double, Double, Double, Double), errors: (Double, Double, Double)) -> String {
        let detail: [String: Any] = [
            "judge": "sequential", "decision": decision, "score": score, "pass_threshold": 80, "marginal_threshold": 60, "seed": 1,
            "explanation": "ttft_ms is worse beyond tolerance", "look": look, "max_looks": 6, "information_fraction": Double(look) / 6,
            "metrics": [
                ["metric": "ttft_ms", "outcome": look == 1 ? "inconclusive" : "fail", "critical": true, "weight": 1, "method": "confidence-sequence-log-ratio",
                 "baseline_count": 140, "candidate_count": 60, "baseline_value": 49.7, "candidate_value": 61.2, "estimate": ttft.0, "ci_low": ttft.1,
                 "ci_high": ttft.2, "confidence": 0.95, "tolerance": "10%", "allowance": 0.0953, "p_value": ttft.3,
                 "explanation": "TTFT is higher by \(ttft.0)", "rollback_boundary": 0.0953 + 0.2 / Double(look), "z": 1.5 * Double(look),
                 "spent_alpha": 0.01 * Double(look)],
                ["metric": "error_rate", "outcome": "pass", "critical": true, "weight": 1, "method": "newcombe",
                 "baseline_count": 140, "candidate_count": 60, "baseline_value": 0.02, "candidate_value": 0.03, "estimate": errors.0,
                 "ci_low": errors.1, "ci_high": errors.2, "confidence": 0.95, "tolerance": "1pp", "allowance": 0.01,
                 "p_value": 0.41, "explanation": "error rate within tolerance"],
            ],
        ]
        let detailText = String(decoding: try! JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys]), as: UTF8.self)
        let stage: [String: Any] = [
            "decision": decision, "score": score, "summary": "score \(score): ttft_ms \(look == 1 ? "inconclusive" : "fail")",
            "metrics": [["metric": "ttft_ms", "outcome": look == 1 ? "inconclusive" : "fail", "sentence": "TTFT"],
                        ["metric": "error_rate", "outcome": "pass", "sentence": "errors"]],
            "detailJSON": detailText,
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: stage, options: [.sortedKeys]), as: UTF8.self)
    }

    init(canarySamples: Int = 200) throws {
        folder = try TemporaryFolder()
        store = try RunStore(path: folder.path("report.db"))
        let pipelineText = try String(contentsOf: Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        let t0 = Self.start
        let at = { (seconds: Double) in t0.addingTimeInterval(seconds) }
        runID = try store.write { tx -> String in
            let run = try tx.createRun(NewRun(kind: .rollout, name: "demo-chat", target: "demo-chat", pipelinePath: "pipelines/demo.yaml",
                                              pipelineText: pipelineText, baselineVersion: "1.0.0", candidateVersion: "1.1.0"), at: t0)
            func event(_ kind: String, _ payload: [String: Any], _ seconds: Double) throws {
                let text = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
                _ = try tx.appendEvent(runID: run.id, kind: kind, payload: RawJSON(text: text), at: at(seconds))
            }
            try event("run_started", ["pipeline": "demo-chat", "target": "demo-chat", "owner": "test", "stages": ["shadow", "canary-5"]], 0)
            try tx.saveStage(StageRecord(runId: run.id, idx: 0, kind: "shadow", name: "shadow", weight: 0, status: "completed", startedAt: at(1), finishedAt: at(20)))
            try event("stage_started", ["stage": 0, "name": "shadow", "kind": "shadow", "weight": 0], 1)
            try tx.insertSamples(Self.samples(arm: .baseline, count: 40, median: 50, errorEvery: 0, seed: 1, at: at(2)), runID: run.id, stage: 0)
            try tx.insertSamples(Self.samples(arm: .candidate, count: 40, median: 58, errorEvery: 20, seed: 2, at: at(2)), runID: run.id, stage: 0)
            try event("stage_completed", ["stage": 0, "outcome": "passed", "reason": "shadow traffic sent"], 20)
            try tx.saveStage(StageRecord(runId: run.id, idx: 1, kind: "canary", name: "canary-5", weight: 5, status: "rolled_back", startedAt: at(21), finishedAt: at(60)))
            try event("stage_started", ["stage": 1, "name": "canary-5", "kind": "canary", "weight": 5], 21)
            try event("weight_set", ["stage": 1, "weight": 5, "router": "gateway", "detail": "ok"], 21)
            try tx.insertSamples(Self.samples(arm: .baseline, count: canarySamples, median: 50, errorEvery: 50, seed: 3, at: at(22)), runID: run.id, stage: 1)
            try tx.insertSamples(Self.samples(arm: .candidate, count: canarySamples, median: 62, errorEvery: 25, seed: 4, at: at(22)), runID: run.id, stage: 1)
            let looks: [(Double, String, Double, (Double, Double, Double, Double))] = [
                (35, "hold", 70, (0.18, 0.02, 0.34, 0.031)), (50, "rollback", 40, (0.21, 0.12, 0.30, 0.00004)),
            ]
            for (i, look) in looks.enumerated() {
                let stored = try tx.insertVerdict(StoredVerdict(runId: run.id, stage: 1, at: at(look.0), decision: look.1, score: look.2,
                                                                payload: Self.verdictPayload(decision: look.1, score: look.2, look: i + 1, ttft: look.3,
                                                                                             errors: (0.01, -0.02, 0.04))))
                try event("check", ["stage": 1, "look": i + 1, "decision": look.1, "score": look.2, "baselineSamples": 140, "candidateSamples": 60,
                                    "summary": "look \(i + 1)", "verdictID": stored.id!, "breaches": []], look.0)
            }
            try event("command", ["command": "rollback", "source": "alert:ab12cd", "reason": "ModelHighErrorRate firing"], 52)
            try event("weight_set", ["stage": 1, "weight": 0, "router": "gateway", "detail": "ok"], 55)
            try event("rolled_back", ["stage": 1, "reason": "ttft_ms is worse than the baseline beyond the 10% tolerance", "trigger": "analysis",
                                      "numbers": ["score": 40]], 55)
            try tx.insertDecision(StoredDecision(runId: run.id, stage: 1, at: at(55), action: "rollback", reason: "analysis failed", payload: "{\"score\":40}"))
            try tx.setStatus(runID: run.id, status: .rolledBack, outcome: "rolled_back", at: at(60))
            return run.id
        }
    }

    /// The stored detail of the stage's last verdict, parsed.
    func lastVerdictMetrics(stage: Int) throws -> [[String: Any]] {
        let verdict = try store.read { try $0.verdicts(runID: runID, stage: stage) }.last!
        let outer = try JSONSerialization.jsonObject(with: Data(verdict.payload.utf8)) as! [String: Any]
        let detail = try JSONSerialization.jsonObject(with: Data((outer["detailJSON"] as! String).utf8)) as! [String: Any]
        return detail["metrics"] as! [[String: Any]]
    }
}

/// JSON text stored as it is (an event payload built with JSONSerialization).
struct RawJSON: Encodable {
    let text: String
    func encode(to encoder: any Encoder) throws {
        let value = JSONValue.parse(Data(text.utf8)) ?? .null
        try value.encode(to: encoder)
    }
}
