import Foundation
import TollgateCore
import TollgateStore

extension RolloutEngine {
    /// The weight a stage holds while it runs (`nil` for approval and pause: they keep the previous one).
    func weight(ofStage index: Int) -> Int? { pipeline.stages[index].weight }

    func setWeight(_ weight: Int, stage: Int?) async throws {
        let receipt = try await deps.router.setWeight(weight)
        try journal(.weightSet, RunEventPayload.WeightSet(stage: stage, weight: weight, router: receipt.router, detail: receipt.detail), stage: stage)
    }

    func reapplyWeight(_ state: RunState) async throws {
        if let active = state.activeStage, let weight = weight(ofStage: active) {
            try await setWeight(weight, stage: active)
        } else if let weight = state.weight {
            try await setWeight(weight, stage: state.activeStage)
        }
    }

    func startStage(_ index: Int) async throws {
        let stage = pipeline.stages[index]
        try journal(.stageStarted, RunEventPayload.StageStarted(stage: index, name: stage.name, kind: stage.kindName, weight: stage.weight), stage: index) { tx in
            try tx.saveStage(StageRecord(runId: self.runID, idx: index, kind: stage.kindName, name: stage.name, weight: stage.weight,
                                         status: "running", startedAt: self.deps.clock.now(), finishedAt: nil))
        }
        if let weight = stage.weight { try await setWeight(weight, stage: index) }
    }

    /// Runs one step of the active stage: some traffic and a check, or one wait.
    func step(stage index: Int, state: RunState) async throws {
        let stage = pipeline.stages[index]
        switch stage.kind {
        case .shadow(let requests, let duration, _):
            try await shadowStep(index, requests: requests ?? 100, duration: duration, state: state)
        case .canary(let weight, let minSamples, let maxSamples, let maxDuration, let interval, let onTimeout):
            try await canaryStep(index, weight: weight, minSamples: minSamples, maxSamples: maxSamples, maxDuration: maxDuration,
                                 interval: interval ?? pipeline.analysis.checkInterval, onTimeout: onTimeout, state: state)
        case .approval(let note):
            if state.phase != .awaitingApproval {
                try journal(.awaitingApproval, RunEventPayload.AwaitingApproval(stage: index, note: note), stage: index)
            }
        case .pause(let duration):
            let started = state.stageStartedAt[index] ?? deps.clock.now()
            let remaining = started.addingTimeInterval(DurationText.seconds(duration)).timeIntervalSince(deps.clock.now())
            if remaining <= 0 {
                try completeStage(index, outcome: "completed", reason: "paused for \(DurationText.format(duration))", numbers: [:])
            } else {
                try await deps.clock.sleep(for: min(deps.pollInterval, .milliseconds(Int64(remaining * 1000) + 1)))
            }
        case .full:
            try finish(.promoted, stage: index, reason: "candidate \(pipeline.model.candidate.version) serves 100% of traffic",
                       trigger: "full stage", numbers: ["weight": 100])
        }
    }

    func shadowStep(_ index: Int, requests: Int, duration: Duration?, state: RunState) async throws {
        let counts = try store.read { try $0.sampleCounts(runID: runID, stage: index) }
        let done = min(counts[.baseline] ?? 0, counts[.candidate] ?? 0)
        if done < requests, (state.looks[index] ?? 0) == 0 {
            try await deps.traffic.shadow(runID: runID, stage: index, requests: requests - done, duration: duration)
        }
        // Shutdown cut the traffic short: no check, no decision on what it left.
        try Task.checkCancellation()
        let after = try store.read { try $0.sampleCounts(runID: runID, stage: index) }
        if min(after[.baseline] ?? 0, after[.candidate] ?? 0) == 0 {
            // No sample of one arm (no usable traffic, nothing recorded yet): no judging on no data,
            // and no spinning either: the next try is one check interval away.
            try await deps.clock.sleep(for: pipeline.analysis.checkInterval)
            return
        }
        // A shadow stage has one check: after a crash that followed it, act on the recorded one.
        let verdict = try await check(index, look: (state.looks[index] ?? 0) + 1, sequential: false,
                                      reuseRecorded: (state.looks[index] ?? 0) > 0, state: state)
        switch verdict.outcome {
        case .rolledBack:
            return
        case .decision(.promote):
            try completeStage(index, outcome: "promoted", reason: verdict.verdict.summary, numbers: verdict.verdict.score.map { ["score": $0] } ?? [:])
        case .decision(.hold):
            // A shadow stage blocks on evidence of harm, not on a lack of evidence: the canary
            // stages keep judging, with the sequential judge, on far more samples.
            try completeStage(index, outcome: "advanced", reason: "no evidence of harm yet (\(verdict.verdict.summary)); the canary keeps judging",
                              numbers: verdict.verdict.score.map { ["score": $0] } ?? [:])
        case .decision(.rollback):
            try pause(index, reason: "the shadow verdict failed the candidate (\(verdict.verdict.summary)) but rollback.on has no 'analysis: fail'; promote or roll back by hand")
        }
    }

    /// One canary step: an interval of traffic, then a look of the stage's sequential test. The test
    /// decides by the horizon (`max_samples` per arm): rollback when the candidate is shown worse,
    /// promote when it is shown no worse than the tolerance, and at the horizon one or the other.
    /// At `max_duration` the samples so far become the horizon and a final look decides; only a
    /// stage that still cannot decide then (no data) ends by `on_timeout`.
    func canaryStep(_ index: Int, weight: Int, minSamples: Int, maxSamples: Int, maxDuration: Duration, interval: Duration,
                    onTimeout: Stage.TimeoutAction, state: RunState) async throws {
        let started = state.stageStartedAt[index] ?? deps.clock.now()
        let elapsed = deps.clock.now().timeIntervalSince(started)
        let look = (state.looks[index] ?? 0) + 1
        let previous = state.lookSizes[index] ?? []
        if elapsed >= DurationText.seconds(maxDuration) {
            let counts = try store.read { try $0.sampleCounts(runID: runID, stage: index) }
            let perArm = min(counts[.baseline] ?? 0, counts[.candidate] ?? 0)
            // A metrics source counts the requests itself: its counts at this look become the horizon.
            let fromSource = deps.metricSource != nil
            if perArm >= 2 || fromSource {
                let final = try await check(index, look: look, sequential: true, maxSamples: fromSource ? nil : min(maxSamples, perArm),
                                            previousLooks: previous, state: state)
                guard case .decision(let decision) = final.outcome else { return }
                if try await act(on: decision, final, stage: index, minSamples: 1, isFinalLook: true,
                                 note: " (final look at max_duration \(DurationText.format(maxDuration)))") { return }
            }
            let reason = "no decision within max_duration \(DurationText.format(maxDuration)) (last verdict: \(state.lastCheck?.summary ?? "none"))"
            switch onTimeout {
            case .rollback:
                try await rollback(stage: index, reason: reason, trigger: "on_timeout", numbers: ["elapsed_s": elapsed])
            case .pause:
                try pause(index, reason: reason)
            }
            return
        }
        let remaining = DurationText.seconds(maxDuration) - elapsed
        let slice = min(interval, .milliseconds(Int64(max(1, remaining * 1000))))
        let interrupted = try await untilCommandArrives {
            let began = self.deps.clock.now()
            let before = try self.store.read { try $0.sampleCounts(runID: self.runID, stage: index) }
            try await self.deps.traffic.canaryInterval(runID: self.runID, stage: index, weight: weight, interval: slice)
            // An interval that brought no sample (an empty source, a quiet gateway) must not make
            // the checks spin: the rest of the interval is waited out.
            let left = DurationText.seconds(slice) - self.deps.clock.now().timeIntervalSince(began)
            if left > 0.001, try self.store.read({ try $0.sampleCounts(runID: self.runID, stage: index) }) == before {
                try await self.deps.clock.sleep(for: .milliseconds(Int64(left * 1000)))
            }
        }
        try Task.checkCancellation()
        // A command that arrived during the interval (an operator, an alert) takes effect now,
        // before the check: the interval's traffic was cut short for it.
        if try interrupted || !currentState().pendingCommands.isEmpty { return }
        let result = try await check(index, look: look, sequential: true, maxSamples: maxSamples, previousLooks: previous, state: state)
        guard case .decision(let decision) = result.outcome else { return }
        _ = try await act(on: decision, result, stage: index, minSamples: minSamples, isFinalLook: false, note: "")
    }

    /// Carries out a canary look's decision: promote (once both arms have `minSamples`), or a
    /// rollback the rules did not already make. Without an `analysis: fail` rule the judge's
    /// evidence of harm does not end the stage on its own: the stage keeps collecting, so the rules
    /// the pipeline does name (objectives, error rate, alerts) still decide, and at the final look it
    /// pauses for an operator, as a shadow stage does. Returns whether the stage ended.
    func act(on decision: StageVerdict.Decision, _ result: CheckResult, stage index: Int, minSamples: Int,
             isFinalLook: Bool, note: String) async throws -> Bool {
        switch decision {
        case .promote:
            guard result.baseline >= minSamples, result.candidate >= minSamples else { return false }
            try completeStage(index, outcome: "promoted", reason: result.verdict.summary + note,
                              numbers: ["baseline_samples": Double(result.baseline), "candidate_samples": Double(result.candidate)]
                                  .merging(result.verdict.score.map { ["score": $0] } ?? [:]) { a, _ in a })
            return true
        case .rollback:
            guard isFinalLook else { return false }
            try pause(index, reason: "the canary verdict failed the candidate (\(result.verdict.summary))\(note) but rollback.on has no 'analysis: fail'; promote or roll back by hand")
            return true
        case .hold:
            return false
        }
    }

    /// Runs `work`, cutting it short when an operator command appears in the journal (checked
    /// every poll interval), so that a rollback takes effect within a second, not at the end of
    /// a long check interval. Returns whether it was cut short.
    func untilCommandArrives(_ work: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await work()
                return false
            }
            group.addTask {
                while true {
                    try await self.deps.clock.sleep(for: self.deps.pollInterval)
                    if try !self.currentState().pendingCommands.isEmpty { return true }
                }
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    enum CheckOutcome {
        case decision(StageVerdict.Decision)
        case rolledBack
    }

    struct CheckResult {
        var verdict: StageVerdict
        var outcome: CheckOutcome
        var baseline: Int
        var candidate: Int
    }

    /// Judges the stage's samples so far, records the verdict and the check, and rolls back
    /// when a rule fires.
    /// With `reuseRecorded`, the stage's latest stored verdict is acted on again (its rules
    /// re-evaluated from the stage's start) instead of judging and storing a second one.
    func check(_ index: Int, look: Int, sequential: Bool, maxSamples: Int? = nil, previousLooks: [Int] = [],
               reuseRecorded: Bool = false, state: RunState) async throws -> CheckResult {
        let (baseline, candidate, recorded) = try store.read { tx in
            (try tx.samples(runID: runID, stage: index, arm: .baseline), try tx.samples(runID: runID, stage: index, arm: .candidate),
             reuseRecorded ? try tx.verdicts(runID: runID, stage: index).last : nil)
        }
        if let recorded, let verdict = try? JSONDecoder().decode(StageVerdict.self, from: Data(recorded.payload.utf8)) {
            // The rules the metrics source reads are read again from it (a failure: no data), never from the samples.
            let source = metricSource(sequential: sequential)
            let readings: [String: RuleReading]
            do {
                readings = try await source.readings(for: rules.rules, window: stageWindow(index, state: state, baseline: baseline, candidate: candidate))
            } catch let failure as MetricSourceFailure {
                readings = Self.unreadable(rules.rules, by: source, reason: failure.reason)
            }
            return try await conclude(index, verdict, rules.evaluate(candidate: candidate, verdict: verdict, previous: [:], readings: readings),
                                      baseline: baseline.count, candidate: candidate.count)
        }
        let quality = try await qualityResults(stage: index, state: state)
        let judged = try await measureAndJudge(index, sequential: sequential, state: state, request: JudgeRequest(
            baseline: baseline, candidate: candidate, look: look, sequential: sequential, stageName: pipeline.stages[index].name,
            quality: quality, maxSamples: maxSamples, previousLooks: previousLooks))
        let verdict = judged.verdict
        let evaluation = rules.evaluate(candidate: candidate, verdict: verdict, previous: state.consecutiveBreaches,
                                        readings: judged.readings)
        // No verdict, and so no decision, once shutdown began.
        try Task.checkCancellation()
        let now = deps.clock.now()
        try store.write { tx in
            let stored = try tx.insertVerdict(StoredVerdict(runId: runID, stage: index, at: now, decision: verdict.decision.rawValue,
                                                            score: verdict.score, payload: try jsonText(verdict)))
            try tx.appendEvent(runID: runID, kind: RunEventKind.check.rawValue, payload: RunEventPayload.Check(
                stage: index, look: look, decision: verdict.decision.rawValue, score: verdict.score,
                baselineSamples: judged.baseline, candidateSamples: judged.candidate, summary: verdict.summary,
                verdictID: stored.id, breaches: evaluation.breaches,
                unmeasured: evaluation.unmeasured.isEmpty ? nil : evaluation.unmeasured), at: now)
        }
        report(RunEventKind.check.rawValue, message: "check \(look): \(verdict.decision.rawValue) — \(verdict.summary)", stage: index, verdict: verdict)
        return try await conclude(index, verdict, evaluation, baseline: judged.baseline, candidate: judged.candidate, sourceFailure: judged.failure)
    }

    /// Rolls back when a rule fired; otherwise hands the verdict's decision to the stage.
    /// A failure of the metric source counts toward the stage's `on_source_error`.
    private func conclude(_ index: Int, _ verdict: StageVerdict, _ evaluation: RollbackRuleEvaluator.Evaluation,
                          baseline: Int, candidate: Int, sourceFailure: MetricSourceFailure? = nil) async throws -> CheckResult {
        if let trigger = evaluation.trigger {
            try await rollback(stage: index, reason: trigger.reason, trigger: trigger.rule, numbers: trigger.numbers)
            return CheckResult(verdict: verdict, outcome: .rolledBack, baseline: baseline, candidate: candidate)
        }
        if let sourceFailure, try await actOnSourceFailure(index, sourceFailure) {
            return CheckResult(verdict: verdict, outcome: .rolledBack, baseline: baseline, candidate: candidate)
        }
        return CheckResult(verdict: verdict, outcome: .decision(verdict.decision), baseline: baseline, candidate: candidate)
    }

    /// The eval suites the pipeline judges (`quality` metrics) and the stage runs (shadow `suites`),
    /// each evaluated once per run — the results are journaled, so a resume does not run them again.
    func qualityResults(stage index: Int, state: RunState) async throws -> [String: RunEventPayload.QualityEvaluated] {
        var needed = pipeline.analysis.metrics.compactMap { $0.metric == .quality ? $0.suite : nil }
        if case .shadow(_, _, let suites) = pipeline.stages[index].kind { needed += suites }
        var results = state.quality
        guard let evaluator = deps.quality else { return results }
        for suite in needed where results[suite] == nil {
            let evaluated = try await evaluator.evaluate(suitePath: suite)
            // An eval cut short by shutdown scored nothing: it is not journaled (a resume runs it).
            try Task.checkCancellation()
            try journal(.qualityEvaluated, evaluated, stage: index)
            results[suite] = evaluated
        }
        return results
    }

    func completeStage(_ index: Int, outcome: String, reason: String, numbers: [String: Double],
                       applying: RunEventPayload.CommandHandled? = nil) throws {
        let stage = pipeline.stages[index]
        try journal(.stageCompleted, RunEventPayload.StageCompleted(stage: index, outcome: outcome, reason: reason), stage: index, applying: applying) { tx in
            // One name for moving on, whatever the stage kind ("promoted" canary, "advanced" shadow).
            try self.decide(outcome == "promoted" || outcome == "advanced" ? "advance" : outcome, stage: index, reason: "\(stage.name): \(reason)", numbers: numbers, in: tx)
            try tx.saveStage(StageRecord(runId: self.runID, idx: index, kind: stage.kindName, name: stage.name, weight: stage.weight,
                                         status: outcome, startedAt: try tx.stages(runID: self.runID).first { $0.idx == index }?.startedAt,
                                         finishedAt: self.deps.clock.now()))
        }
    }

    func pause(_ index: Int?, reason: String, applying: RunEventPayload.CommandHandled? = nil) throws {
        try journal(.paused, RunEventPayload.Paused(stage: index, reason: reason), stage: index, applying: applying) { tx in
            try self.decide("pause", stage: index, reason: reason, numbers: [:], in: tx)
            try tx.setStatus(runID: self.runID, status: .paused, outcome: reason, at: self.deps.clock.now())
        }
    }

    /// Sets the candidate's weight to 0 first, then journals the rollback with its reason and numbers.
    func rollback(stage: Int?, reason: String, trigger: String, numbers: [String: Double], details: [String: String]? = nil,
                  applying: RunEventPayload.CommandHandled? = nil) async throws {
        let receipt = try await deps.router.setWeight(0)
        try finish(.rolledBack, stage: stage, reason: reason, trigger: trigger, numbers: numbers, details: details,
                   weightReceipt: receipt, applying: applying)
    }

    /// Ends the run: the final event, the decision and the run's status in one transaction.
    /// `weightReceipt`, when given, is journaled in the same transaction (the weight was set just before).
    func finish(_ phase: RunState.Phase, stage: Int?, reason: String, trigger: String, numbers: [String: Double],
                details: [String: String]? = nil, weightReceipt: RouterReceipt? = nil,
                applying: RunEventPayload.CommandHandled? = nil) throws {
        let kind: RunEventKind
        switch phase {
        case .promoted: kind = .promoted
        case .rolledBack: kind = .rolledBack
        case .aborted: kind = .aborted
        default: kind = .failed
        }
        let status: RunStatus = kind == .failed ? .failed : phase
        try journal(kind, RunEventPayload.Finished(stage: stage, reason: reason, trigger: trigger, numbers: numbers, details: details),
                    stage: stage, applying: applying) { tx in
            if let receipt = weightReceipt {
                try tx.appendEvent(runID: self.runID, kind: RunEventKind.weightSet.rawValue, payload: RunEventPayload.WeightSet(
                    stage: stage, weight: receipt.candidatePercent, router: receipt.router, detail: receipt.detail), at: self.deps.clock.now())
            }
            try self.decide(kind.rawValue, stage: stage, reason: reason, numbers: numbers, in: tx)
            if let stage, self.pipeline.stages.indices.contains(stage) {
                let record = self.pipeline.stages[stage]
                try tx.saveStage(StageRecord(runId: self.runID, idx: stage, kind: record.kindName, name: record.name, weight: record.weight,
                                             status: phase == .promoted ? "completed" : status.rawValue,
                                             startedAt: try tx.stages(runID: self.runID).first { $0.idx == stage }?.startedAt,
                                             finishedAt: self.deps.clock.now()))
            }
            try tx.setStatus(runID: self.runID, status: status, outcome: reason, at: self.deps.clock.now())
            try tx.releaseLease(target: self.target, runID: self.runID)
        }
    }
}
