import Foundation
import TollgateCore
@testable import TollgateEngine
import TollgateStore
import TollgateTestSupport

/// A router that remembers every weight it was given (state machine tests only).
actor RecordingRouter: TrafficRouter {
    nonisolated let summary = "recording router"
    private(set) var weights: [Int] = []
    func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        weights.append(candidatePercent)
        return RouterReceipt(router: "recording", candidatePercent: candidatePercent, detail: "set \(candidatePercent)")
    }
    func currentWeight() async throws -> Int? { weights.last }
}

/// Writes synthetic samples straight into the store: the candidate's TTFT is the baseline's
/// times `slowdown`, and `candidateErrorRate` of its requests fail.
struct SyntheticTraffic: StageTrafficSource {
    let store: RunStore
    var slowdown: Double = 1.0
    var candidateErrorRate: Double = 0
    var perInterval = 40
    /// When set, a canary interval of this stage never finishes (until the task is cancelled):
    /// the run is interrupted in the middle of that stage.
    var hangAtStage: Int?

    func shadow(runID: String, stage: Int, requests: Int, duration: Duration?) async throws {
        try write(runID: runID, stage: stage, count: requests)
    }

    func canaryInterval(runID: String, stage: Int, weight: Int, interval: Duration) async throws {
        try write(runID: runID, stage: stage, count: perInterval)
        if stage == hangAtStage { try await Task.sleep(for: .seconds(3600)) }
    }

    func write(runID: String, stage: Int, count: Int) throws {
        let existing = try store.read { try $0.sampleCounts(runID: runID, stage: stage) }[.baseline] ?? 0
        var batch: [Sample] = []
        for i in existing..<(existing + count) {
            let base = 100 + Double((i * 37) % 50)
            batch.append(Sample(requestID: "r\(i)", arm: .baseline, startedAt: Date(), ttftMs: base, e2eMs: base + 200))
            let failed = Double((i * 53) % 100) < candidateErrorRate * 100
            batch.append(Sample(requestID: "r\(i)", arm: .candidate, startedAt: Date(), ttftMs: failed ? nil : base * slowdown,
                                e2eMs: failed ? nil : base * slowdown + 200, errorClass: failed ? .http5xx : nil))
        }
        try store.insertSamples(batch, runID: runID, stage: stage)
    }
}

/// Promotes when the candidate's mean TTFT is within 10% of the baseline's, rolls back when it is
/// more than 10% worse (a deterministic stand-in for the statistical judge in state machine tests).
struct MeanTTFTJudge: StageJudge {
    func judge(_ request: JudgeRequest) throws -> StageVerdict {
        let b = request.baseline.compactMap(\.ttftMs), c = request.candidate.compactMap(\.ttftMs)
        guard !b.isEmpty, !c.isEmpty else {
            return StageVerdict(decision: .hold, score: nil, summary: "no data", metrics: [], detailJSON: "{}")
        }
        let ratio = (c.reduce(0, +) / Double(c.count)) / (b.reduce(0, +) / Double(b.count))
        let decision: StageVerdict.Decision = ratio > 1.10 ? .rollback : .promote
        return StageVerdict(decision: decision, score: decision == .promote ? 100 : 0,
                            summary: String(format: "mean TTFT ratio %.2f", ratio),
                            metrics: [.init(metric: "ttft_ms", outcome: decision == .promote ? "pass" : "fail", sentence: String(format: "ratio %.2f", ratio))],
                            detailJSON: "{}")
    }
}

/// A clock that runs at real speed (the engine's waits are short in these tests).
struct FastClock: EngineClock {
    /// How far ahead of the wall clock this clock runs (a process whose clock reads a later time,
    /// for example after another holder's lease has expired).
    var ahead: TimeInterval = 0
    func now() -> Date { Date().addingTimeInterval(ahead) }
    func sleep(for duration: Duration) async throws { try await Task.sleep(for: min(duration, .milliseconds(20))) }
}

enum EngineFixtures {
    /// Writes a pipeline file with the given stages and rollback rules into `folder`.
    static func pipeline(in folder: URL, stages: String, rollback: String = "", name: String = "fake-rollout",
                         extraMetrics: String = "") throws -> String {
        var yaml = PipelineYAML(name: name)
        yaml.objectives = "  ttft_ms: { p95: 1000 }"
        yaml.analysis = """
          check_interval: 10ms
          metrics:
            - { metric: ttft_ms, tolerance: 10%, critical: true }
        \(extraMetrics)
        """
        yaml.stages = stages
        yaml.extra = rollback
        return try yaml.write(in: folder)
    }
}

/// Returns fixed paired pass/fail results and counts how often it was asked (state machine tests only).
actor FixedQuality: QualityEvaluator {
    let baselinePasses: Int, candidatePasses: Int, cases: Int
    let maxDrop: Tolerance?
    private(set) var calls = 0
    init(cases: Int, baselinePasses: Int, candidatePasses: Int, maxDrop: Tolerance? = nil) {
        self.maxDrop = maxDrop
        self.cases = cases
        self.baselinePasses = baselinePasses
        self.candidatePasses = candidatePasses
    }
    func evaluate(suitePath: String) async throws -> RunEventPayload.QualityEvaluated {
        calls += 1
        let b = (0..<cases).map { $0 < baselinePasses ? 1.0 : 0 }, c = (0..<cases).map { $0 < candidatePasses ? 1.0 : 0 }
        return RunEventPayload.QualityEvaluated(suite: suitePath, evalRunID: nil, baseline: b, candidate: c, summary: "fixed", maxDrop: maxDrop)
    }
}
