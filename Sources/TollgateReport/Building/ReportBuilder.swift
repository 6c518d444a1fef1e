public import Foundation
import TollgateCore
import TollgateStats
public import TollgateStore

/// Builds a ``RunReportModel`` from what the store holds about a run, for every kind of run
/// (rollout, replay, shadow, eval, drift, gateway). Reads one consistent snapshot.
///
/// ```swift
/// let model = try ReportBuilder(store: store).build(runID: "20261201-101500-a1b2c3")
/// let html = HTMLReportRenderer().render(model)
/// ```
public struct ReportBuilder: Sendable {
    /// Most points an empirical CDF keeps: 100,000 samples draw as well as 240 do.
    public static let ecdfPoints = 240

    public let store: RunStore
    /// The time written as "generated at" (a fixed clock in tests).
    public let now: @Sendable () -> Date

    public init(store: RunStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// The report of the run whose id (or unique id prefix) is `runID`.
    public func build(runID: String) throws -> RunReportModel {
        try store.read { tx in
            let run = try tx.run(runID)
            let events = try tx.events(runID: run.id)
            let pipeline = run.pipelineText.flatMap { text in
                try? DocumentLoader.loadPipeline(text: text, path: run.pipelinePath ?? "pipeline.yaml", checkFiles: false)
            }
            var worse: [String: String] = [:]
            for metric in pipeline?.analysis.metrics ?? [] {
                let name = metric.quantile.map { "\(metric.metric.rawValue).\($0.rawValue)" } ?? metric.metric.rawValue
                worse[name] = metric.worse.rawValue
            }
            let stageRecords = try tx.stages(runID: run.id)
            let verdicts = try tx.verdicts(runID: run.id)
            let looks = Self.looks(events)
            var stages: [StageReport] = []
            if stageRecords.isEmpty {
                let samples = try tx.samples(runID: run.id)
                if !samples.isEmpty {
                    let checks = verdicts.map { VerdictDetail.check(payload: $0.payload, verdictID: $0.id, at: $0.at, look: looks[$0.id ?? -1] ?? 1, worse: worse) }
                    stages.append(Self.stage(index: nil, name: run.kind.rawValue, kind: run.kind.rawValue, weight: nil, status: run.status.rawValue,
                                             startedAt: run.createdAt, finishedAt: run.finishedAt, samples: samples, checks: checks, pipeline: pipeline))
                }
            }
            for record in stageRecords {
                let samples = try tx.samples(runID: run.id, stage: record.idx)
                let checks = verdicts.filter { $0.stage == record.idx }.map {
                    VerdictDetail.check(payload: $0.payload, verdictID: $0.id, at: $0.at, look: looks[$0.id ?? -1] ?? 1, worse: worse)
                }
                stages.append(Self.stage(index: record.idx, name: record.name, kind: record.kind, weight: record.weight, status: record.status,
                                         startedAt: record.startedAt, finishedAt: record.finishedAt, samples: samples, checks: checks, pipeline: pipeline))
            }
            var evalRunIDs: [String] = run.kind == .eval ? [run.id] : []
            for event in events where event.kind == "quality_evaluated" {
                if let id = JSONValue.parse(Data(event.payload.utf8))?["evalRunID"]?.stringValue, !evalRunIDs.contains(id) { evalRunIDs.append(id) }
            }
            let evals = try evalRunIDs.compactMap { try Self.eval(runID: $0, tx: tx) }
            let drift = run.kind == .drift ? try Self.driftResult(runID: run.id, suite: run.name, tx: tx) : nil
            let header = Self.header(run: run, events: events, pipeline: pipeline, evals: evals, drift: drift)
            return RunReportModel(
                generatedAt: now(), header: header,
                timeline: stageRecords.isEmpty ? nil : Self.timeline(run: run, events: events, stages: stageRecords),
                stages: stages, evals: evals, drift: drift,
                checklist: pipeline.map { Self.checklist($0, stages: stages, qualification: Self.qualification(events)) } ?? [],
                journal: events.map { JournalLine(seq: $0.seq, at: $0.at, kind: $0.kind, payload: $0.payload) })
        }
    }

    /// Look number of each verdict, from the `check` events that name it.
    static func looks(_ events: [JournalEvent]) -> [Int64: Int] {
        var looks: [Int64: Int] = [:]
        for event in events where event.kind == "check" {
            let payload = JSONValue.parse(Data(event.payload.utf8))
            if let id = payload?["verdictID"]?.intValue, let look = payload?["look"]?.intValue { looks[Int64(id)] = look }
        }
        return looks
    }

    // MARK: Header

    static let terminalKinds: Set<String> = ["rolled_back", "promoted", "aborted", "failed"]

    static func header(run: Run, events: [JournalEvent], pipeline: Pipeline?, evals: [EvalReport], drift: DriftReport?) -> ReportHeader {
        func version(_ v: ModelVersion?, fallback: String?) -> ReportHeader.Version? {
            if let v { return .init(version: v.version, revision: v.revision, lineage: v.lineage) }
            return fallback.map { .init(version: $0, revision: nil, lineage: nil) }
        }
        var reason = run.outcome.map { "The run ended: \($0)." } ?? "The run is \(run.status.rawValue.replacingOccurrences(of: "_", with: " "))."
        var decidedBy: String?
        if let last = events.last(where: { terminalKinds.contains($0.kind) }), let payload = JSONValue.parse(Data(last.payload.utf8)) {
            let verb = last.kind.replacingOccurrences(of: "_", with: " ")
            let why = payload["reason"]?.stringValue ?? "no reason recorded"
            reason = "\(verb.prefix(1).uppercased() + verb.dropFirst()): \(why)\(why.hasSuffix(".") ? "" : ".")"
            decidedBy = payload["trigger"]?.stringValue
        } else if let finished = events.last(where: { $0.kind == "drift_finished" }), let payload = JSONValue.parse(Data(finished.payload.utf8)) {
            reason = "Drift suite \(run.name): \(payload["summary"]?.stringValue ?? drift?.summary ?? "?")."
            decidedBy = "drift suite"
        } else if let eval = evals.first(where: { $0.runID == run.id }) {
            let rates = eval.passRates.map { "\($0.version ?? $0.arm) \(ReportNumber.percent($0.rate))" }.joined(separator: ", ")
            reason = "Eval suite \(eval.suite): \(run.outcome ?? "done") (pass rates \(rates))."
            decidedBy = "eval suite"
        }
        if let command = events.last(where: { $0.kind == "command" }).flatMap({ JSONValue.parse(Data($0.payload.utf8)) }),
           let trigger = decidedBy, trigger.hasPrefix("command") {
            decidedBy = "\(trigger) (\(command["source"]?.stringValue ?? "operator"))"
        }
        let end = run.finishedAt
        return ReportHeader(
            runID: run.id, kind: run.kind.rawValue, name: run.name, pipeline: run.pipelinePath, pipelineSha256: run.pipelineSha256,
            baseline: version(pipeline?.model.baseline, fallback: run.baselineVersion),
            candidate: version(pipeline?.model.candidate, fallback: run.candidateVersion),
            status: run.status.rawValue, outcome: run.outcome, decidedBy: decidedBy, reason: reason,
            startedAt: run.createdAt, finishedAt: end, durationSeconds: end.map { $0.timeIntervalSince(run.createdAt) })
    }

    // MARK: Timeline

    static func timeline(run: Run, events: [JournalEvent], stages: [StageRecord]) -> ReportTimeline {
        var weights: [ReportTimeline.WeightPoint] = [.init(at: run.createdAt, weight: 0)]
        var checks: [ReportTimeline.CheckMark] = []
        var notes: [ReportTimeline.Annotation] = []
        for event in events {
            let p = JSONValue.parse(Data(event.payload.utf8)) ?? .object([:])
            switch event.kind {
            case "weight_set":
                if let w = p["weight"]?.intValue { weights.append(.init(at: event.at, weight: w)) }
            case "check":
                checks.append(.init(at: event.at, stage: p["stage"]?.intValue ?? 0, look: p["look"]?.intValue ?? 0,
                                    decision: p["decision"]?.stringValue ?? "?", summary: p["summary"]?.stringValue ?? ""))
            case "command":
                let source = p["source"]?.stringValue ?? "operator"
                let kind = source.hasPrefix("alert:") ? "alert" : "command"
                notes.append(.init(at: event.at, kind: kind, text: "\(p["command"]?.stringValue ?? "?") by \(source)" + (p["reason"]?.stringValue.map { ": \($0)" } ?? "")))
            case "awaiting_approval":
                notes.append(.init(at: event.at, kind: "approval", text: "waiting for approval" + (p["note"]?.stringValue.map { ": \($0)" } ?? "")))
            case "rolled_back", "promoted", "aborted", "failed", "paused":
                notes.append(.init(at: event.at, kind: event.kind, text: "\(event.kind.replacingOccurrences(of: "_", with: " ")): \(p["reason"]?.stringValue ?? "")"))
            case "note":
                notes.append(.init(at: event.at, kind: "note", text: p["message"]?.stringValue ?? ""))
            default:
                break
            }
        }
        let end = max(run.finishedAt ?? events.last?.at ?? run.createdAt, events.last?.at ?? run.createdAt)
        let spans = stages.compactMap { s in s.startedAt.map { ReportTimeline.StageSpan(index: s.idx, name: s.name, start: $0, end: s.finishedAt) } }
        return ReportTimeline(start: run.createdAt, end: end, weights: weights, stages: spans, checks: checks, annotations: notes)
    }

    // MARK: Stages

    /// The sample metrics a stage plots: an embeddings model's call time, else a chat or completion model's latencies and tokens.
    static func plottedMetrics(_ pipeline: Pipeline?) -> [MetricName] {
        pipeline?.model.api == .embeddings ? [.embeddingMs] : [.ttftMs, .itlMs, .e2eMs, .tpotMs, .outputTokens]
    }

    static func stage(index: Int?, name: String, kind: String, weight: Int?, status: String?, startedAt: Date?, finishedAt: Date?,
                      samples: [Sample], checks: [CheckReport], pipeline: Pipeline?) -> StageReport {
        var byArm: [Arm: [Sample]] = [:]
        for sample in samples { byArm[sample.arm, default: []].append(sample) }
        let arms = Arm.allCases.filter { byArm[$0] != nil }
        let armTraffic = arms.map { Self.traffic(arm: $0, samples: byArm[$0] ?? []) }
        var distributions: [MetricDistribution] = []
        for metric in plottedMetrics(pipeline) {
            let perArm = arms.map { arm in Self.distribution(arm: arm.rawValue, values: metric.observations(in: byArm[arm] ?? [])) }
            guard perArm.contains(where: { $0.count > 0 }) else { continue }
            distributions.append(MetricDistribution(metric: metric.rawValue, logScale: metric.isLatency, arms: perArm))
        }
        let rows = (checks.last?.metrics ?? []).map { judgement -> StatsRow in
            let d = distributions.first { $0.metric == judgement.baseMetric }
            return StatsRow(criterion: judgement.metric, baseline: d?.arm(Arm.baseline.rawValue),
                            candidate: d?.arm(Arm.candidate.rawValue) ?? d?.arm(Arm.shadow.rawValue), judgement: judgement)
        }
        return StageReport(index: index, name: name, kind: kind, weight: weight, status: status, startedAt: startedAt, finishedAt: finishedAt,
                           arms: armTraffic, distributions: distributions, checks: checks, statsRows: rows)
    }

    static func traffic(arm: Arm, samples: [Sample]) -> ArmTraffic {
        var byClass: [String: Int] = [:]
        for sample in samples { if let c = sample.errorClass { byClass[c.rawValue, default: 0] += 1 } }
        let first = samples.map(\.startedAt).min()
        let last = samples.map { $0.startedAt.addingTimeInterval(($0.e2eMs ?? 0) / 1000) }.max()
        let seconds = first.flatMap { f in last.map { $0.timeIntervalSince(f) } } ?? 0
        let output = samples.reduce(0) { $0 + ($1.outputTokens ?? 0) }
        return ArmTraffic(arm: arm.rawValue, requests: samples.count, errors: byClass.values.reduce(0, +), errorsByClass: byClass,
                          inputTokens: samples.reduce(0) { $0 + ($1.inputTokens ?? 0) }, outputTokens: output, seconds: seconds,
                          requestsPerSecond: seconds > 0 ? Double(samples.count) / seconds : nil,
                          outputTokensPerSecond: seconds > 0 ? Double(output) / seconds : nil)
    }

    /// Count, mean, p50/p95/p99 (TollgateStats' quantile, as the judges use) and a downsampled ECDF.
    static func distribution(arm: String, values: [Double]) -> MetricDistribution.Arm {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return .init(arm: arm, count: 0, ecdf: []) }
        let n = sorted.count
        var points: [[Double]] = []
        if n <= ecdfPoints {
            points = sorted.enumerated().map { [$0.element, Double($0.offset + 1) / Double(n)] }
        } else {
            for k in 0..<ecdfPoints {
                let i = Int((Double(k) / Double(ecdfPoints - 1) * Double(n - 1)).rounded())
                points.append([sorted[i], Double(i + 1) / Double(n)])
            }
        }
        return .init(arm: arm, count: n, mean: Descriptive.mean(sorted), p50: Descriptive.quantileSorted(sorted, 0.5),
                     p95: Descriptive.quantileSorted(sorted, 0.95), p99: Descriptive.quantileSorted(sorted, 0.99), ecdf: points)
    }

    // MARK: Eval and drift

    static func eval(runID: String, tx: StoreTransaction) throws -> EvalReport? {
        guard let run = try? tx.run(runID) else { return nil }
        let results = try tx.evalResults(runID: run.id)
        guard !results.isEmpty else { return nil }
        var cells: [String: [String: EvalReport.Cell]] = [:]
        var order: [String] = []
        for result in results {
            if cells[result.caseId] == nil { order.append(result.caseId) }
            var cell = cells[result.caseId]?[result.arm] ?? EvalReport.Cell(passed: 0, repetitions: 0, score: 0, answer: result.answer, scorers: scorers(result.details))
            cell.score = (cell.score * Double(cell.repetitions) + result.score) / Double(cell.repetitions + 1)
            cell.repetitions += 1
            cell.passed += result.passed ? 1 : 0
            cells[result.caseId, default: [:]][result.arm] = cell
        }
        let z = NormalDistribution.quantile(0.975)
        let passRates = [Arm.baseline, .candidate].compactMap { arm -> EvalReport.PassRate? in
            let armCells = cells.values.compactMap { $0[arm.rawValue] }
            let total = armCells.reduce(0) { $0 + $1.repetitions }
            guard total > 0 else { return nil }
            let passed = armCells.reduce(0) { $0 + $1.passed }
            let interval = ProportionDifference.wilson(passed, total, z: z)
            return .init(arm: arm.rawValue, version: arm == .baseline ? run.baselineVersion : run.candidateVersion, passed: passed, total: total,
                         rate: Double(passed) / Double(total), low: interval.low, high: interval.high)
        }
        let rows = order.map { id -> EvalReport.CaseRow in
            let b = cells[id]?[Arm.baseline.rawValue], c = cells[id]?[Arm.candidate.rawValue]
            let bRate = b.map { Double($0.passed) / Double($0.repetitions) }, cRate = c.map { Double($0.passed) / Double($0.repetitions) }
            let regression = (bRate ?? 0) > (cRate ?? 0), improvement = (cRate ?? 0) > (bRate ?? 0)
            return .init(caseID: id, baseline: b, candidate: c, regression: regression, improvement: improvement)
        }
        let sorted = rows.enumerated().sorted { l, r in
            let rank = { (row: EvalReport.CaseRow) in row.regression ? 0 : row.improvement ? 1 : 2 }
            return (rank(l.element), l.offset) < (rank(r.element), r.offset)
        }.map(\.element)
        var paired: [String: Double] = [:], summary: [String: String] = [:]
        if let finished = try tx.events(runID: run.id).last(where: { $0.kind == "eval_finished" }),
           let payload = JSONValue.parse(Data(finished.payload.utf8)) {
            if let quality = payload["quality"] { VerdictDetail.flatten(quality, path: "quality", into: &paired) }
            if case .object(let members) = payload {
                for (key, value) in members { if let text = value.stringValue { summary[key] = text } }
                if case .object(let quality)? = payload["quality"] {
                    for (key, value) in quality { if let text = value.stringValue { summary["quality.\(key)"] = text } }
                }
            }
        }
        return EvalReport(runID: run.id, suite: run.name, passRates: passRates, cases: sorted, pairedTest: paired, pairedSummary: summary)
    }

    /// One line per scorer of an eval result's stored details.
    static func scorers(_ details: String) -> [String] {
        guard let value = JSONValue.parse(Data(details.utf8)) else { return [] }
        var items: [JSONValue] = value.arrayValue ?? []
        if let members = value.objectValue {
            items = members.sorted { $0.key < $1.key }.map { key, result in JSONValue.object(["scorer": .string(key), "result": result]) }
        }
        return items.map { item in
            guard case .object(let members) = item else { return item.jsonText }
            return members.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? $0.value.jsonText)" }.joined(separator: " ")
        }
    }

    static func driftResult(runID: String, suite: String, tx: StoreTransaction) throws -> DriftReport? {
        try tx.driftResults(suite: suite).first(where: { $0.runId == runID }).map(drift)
    }

    static func drift(_ result: StoredDriftResult) -> DriftReport {
        let payload = JSONValue.parse(Data(result.payload.utf8)) ?? .object([:])
        let features = (payload["features"]?.arrayValue ?? []).map { item -> DriftReport.Feature in
            var numbers: [String: Double] = [:]
            if case .object(let members) = item { for (key, value) in members { VerdictDetail.flatten(value, path: key, into: &numbers) } }
            return .init(feature: item["feature"]?.stringValue ?? "?", test: item["test"]?.stringValue ?? "?", drifted: item["drifted"]?.boolValue ?? false,
                         numbers: numbers, referenceSummary: item["referenceSummary"]?.stringValue ?? "",
                         currentSummary: item["currentSummary"]?.stringValue ?? "", note: item["note"]?.stringValue ?? "")
        }
        let drifted = features.filter(\.drifted).count
        return DriftReport(suite: result.suite, drifted: result.drifted, summary: result.summary, reference: payload["reference"]?.stringValue,
                           current: payload["current"]?.stringValue, alpha: payload["alpha"]?.doubleValue, correction: payload["correction"]?.stringValue,
                           share: features.isEmpty ? 0 : Double(drifted) / Double(features.count), features: features)
    }

    // MARK: Checklist

    /// A `qualify` run's verdict and measurement per checklist item (`within: 2.34s …`), from its report event.
    static func qualification(_ events: [JournalEvent]) -> [String: String] {
        guard let event = events.last(where: { $0.kind == RunKind.qualificationReportEvent }),
              let items = JSONValue.parse(Data(event.payload.utf8))?["items"]?.arrayValue else { return [:] }
        var out: [String: String] = [:]
        for item in items {
            guard let id = item["id"]?.stringValue, let verdict = item["verdict"]?.stringValue, let measured = item["measured"]?.stringValue else { continue }
            out[id] = "\(verdict.replacingOccurrences(of: "_", with: " ")): \(measured)" + (item["objective"]?.stringValue.map { " (objective: \($0))" } ?? "")
        }
        return out
    }

    /// The checklist of the pipeline snapshot; latency and throughput objectives get the
    /// candidate's measured values from the last stage that measured them.
    static func checklist(_ pipeline: Pipeline, stages: [StageReport], qualification: [String: String] = [:]) -> [ChecklistSection] {
        var measured: [String: String] = [:]
        for metric in LatencyMetric.allCases {
            guard let targets = pipeline.objectives.latency[metric] else { continue }
            for stage in stages.reversed() {
                guard let arm = stage.distributions.first(where: { $0.metric == metric.rawValue })?.arm(Arm.candidate.rawValue), arm.count > 0 else { continue }
                let parts = targets.all.compactMap { name, _ -> String? in
                    let value: Double? = [Quantile.p50: arm.p50, .p95: arm.p95, .p99: arm.p99, .mean: arm.mean][name] ?? nil
                    return value.map { "\(name) \(ReportNumber.format($0))" }
                }
                if !parts.isEmpty { measured["objectives.\(metric.rawValue)"] = parts.joined(separator: ", ") + " (candidate, stage \(stage.name))" }
                break
            }
        }
        if let stage = stages.last(where: { $0.arms.contains { $0.arm == Arm.candidate.rawValue && $0.requestsPerSecond != nil } }),
           let arm = stage.arms.first(where: { $0.arm == Arm.candidate.rawValue }), let rps = arm.requestsPerSecond {
            measured["objectives.throughput"] = "\(ReportNumber.format(rps)) req/s, \(ReportNumber.format(arm.outputTokensPerSecond ?? 0)) output tokens/s (candidate, stage \(stage.name))"
        }
        return Checklist.report(for: pipeline).map { section in
            ChecklistSection(number: section.number, title: section.title, items: section.items.map { item in
                let keys = Checklist.item(id: item.id)?.keys ?? []
                var shown = measured.filter { keys.contains($0.key) }
                if let qualified = qualification[item.id] { shown["tollgate qualify"] = qualified }
                return .init(id: item.id, text: item.text, declared: item.declared, required: item.required, values: item.values,
                             measured: shown)
            })
        }
    }
}
