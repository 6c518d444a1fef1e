public import Foundation
import TollgateCore
public import TollgateStore

/// A readable account of a rollout for `status` and `explain`: state, stages, and every
/// decision with the numbers behind it.
public struct RunReport: Sendable, Codable {
    public struct Decision: Sendable, Codable {
        public var at: Date
        public var stage: String?
        public var action: String
        public var reason: String
        public var numbers: [String: Double]
    }

    public struct Check: Sendable, Codable {
        public var at: Date
        public var stage: String
        public var look: Int
        public var verdict: StageVerdict
    }

    public var run: Run
    public var phase: String
    public var activeStage: String?
    public var weight: Int?
    public var samples: [String: [String: Int]]
    public var decisions: [Decision]
    public var checks: [Check]
    public var pendingCommands: [String]

    /// The latest check's verdict, if any.
    public var latest: Check? { checks.last }

    /// Reads everything about a run in one snapshot.
    public static func load(runID: String, store: RunStore) throws -> RunReport {
        try store.read { tx in
            var run = try tx.run(runID)
            let state = RunState.fold(try tx.events(runID: run.id))
            let stages = try tx.stages(runID: run.id)
            let stageName: (Int?) -> String? = { index in index.flatMap { i in stages.first { $0.idx == i }?.name } }
            var samples: [String: [String: Int]] = [:]
            for stage in stages {
                let counts = try tx.sampleCounts(runID: run.id, stage: stage.idx)
                samples[stage.name] = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
            }
            let decoder = JSONDecoder()
            let decisions = try tx.decisions(runID: run.id).map { d in
                Decision(at: d.at, stage: stageName(d.stage), action: d.action, reason: d.reason,
                         numbers: (try? decoder.decode([String: Double].self, from: Data(d.payload.utf8))) ?? [:])
            }
            // The look of each check: its place among its stage's verdicts (1 for the first).
            var looks: [Int: Int] = [:]
            let checks = try tx.verdicts(runID: run.id).compactMap { v -> Check? in
                guard let verdict = try? decoder.decode(StageVerdict.self, from: Data(v.payload.utf8)) else { return nil }
                let look = (looks[v.stage ?? -1] ?? 0) + 1
                looks[v.stage ?? -1] = look
                return Check(at: v.at, stage: stageName(v.stage) ?? "-", look: look, verdict: verdict)
            }
            run.pipelineText = nil
            return RunReport(run: run, phase: state.phase.rawValue, activeStage: stageName(state.activeStage), weight: state.weight,
                             samples: samples, decisions: decisions, checks: checks,
                             pendingCommands: state.pendingCommands.map { "\($0.command.command.rawValue) (\($0.command.source))" })
        }
    }

    /// The explanation as lines of text: each decision, and each check's per-metric sentences.
    public func explanation() -> [String] {
        var lines = ["Run \(run.id): \(run.name) \(run.baselineVersion ?? "?") → \(run.candidateVersion ?? "?"), \(phase)"]
        var checksByStage: [String: [Check]] = [:]
        for check in checks { checksByStage[check.stage, default: []].append(check) }
        var explained: Set<String> = []
        for decision in decisions {
            if let stage = decision.stage, !explained.contains(stage), let stageChecks = checksByStage[stage] {
                explained.insert(stage)
                lines.append("")
                lines.append("Stage \(stage): \(stageChecks.count) check\(stageChecks.count == 1 ? "" : "s")")
                if let last = stageChecks.last {
                    lines.append("  last verdict: \(last.verdict.decision.rawValue)" + (last.verdict.score.map { String(format: ", score %.1f", $0) } ?? "") + " — \(last.verdict.summary)")
                    for metric in last.verdict.metrics {
                        lines.append("    \(metric.metric) [\(metric.outcome)]: \(metric.sentence)")
                    }
                }
            }
            let numbers = decision.numbers.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.format($0.value))" }.joined(separator: ", ")
            lines.append("  → \(decision.action)\(decision.stage.map { " at \($0)" } ?? ""): \(decision.reason)\(numbers.isEmpty ? "" : " [\(numbers)]")")
        }
        if decisions.isEmpty { lines.append("No decision yet.") }
        return lines
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.4g", value)
    }
}

/// One run in a list — `history --json`, `rollout list --json` and `GET /v1/runs` print this one
/// shape: the run's row, and for a rollout its state as its journal says, the state `rollout
/// status` reports (`awaiting_approval` while the row's status is still `running`).
public struct RunSummary: Sendable, Codable, Equatable {
    public var id: String
    public var kind: RunKind
    public var name: String
    public var target: String?
    public var baselineVersion: String?
    public var candidateVersion: String?
    /// The row's status: `running`, `paused`, `promoted`, `rolled_back`, `failed`, `completed`…
    public var status: RunStatus
    /// A rollout's journal phase (`running`, `paused`, `awaiting_approval`, `promoted`…); for
    /// runs of other kinds, which have no state machine, the status.
    public var state: String
    public var outcome: String?
    public var createdAt: Date
    public var finishedAt: Date?

    /// Runs, newest first, optionally only those of some kinds (selected in SQL, so `limit` counts
    /// only matching runs); each rollout's journal is folded for its state.
    public static func load(store: RunStore, limit: Int? = nil, kinds: [RunKind]? = nil) throws -> [RunSummary] {
        try store.read { tx in
            try tx.runs(limit: limit, kinds: kinds).map { run in
                let state = run.kind == .rollout ? RunState.fold(try tx.events(runID: run.id)).phase.rawValue : run.status.rawValue
                return RunSummary(id: run.id, kind: run.kind, name: run.name, target: run.target, baselineVersion: run.baselineVersion,
                                  candidateVersion: run.candidateVersion, status: run.status, state: state, outcome: run.outcome,
                                  createdAt: run.createdAt, finishedAt: run.finishedAt)
            }
        }
    }
}
