import Foundation

/// Renders a compact GitHub-flavoured summary of a run for a pull request or a chat message:
/// outcome, reason, and one table of metrics per stage with arrows for better or worse.
public struct MarkdownReportRenderer: Sendable {
    public init() {}

    public func render(_ m: RunReportModel) -> String {
        let h = m.header
        var lines: [String] = []
        let versions = [h.baseline.map { "\($0.version)\($0.revision.map { " (\($0))" } ?? "")" }, h.candidate.map { "\($0.version)\($0.revision.map { " (\($0))" } ?? "")" }]
            .compactMap { $0 }.joined(separator: " → ")
        lines.append("### Tollgate \(h.kind) `\(h.name)`\(versions.isEmpty ? "" : ": \(versions)") — **\(h.status.replacingOccurrences(of: "_", with: " "))**")
        lines.append("")
        lines.append("> \(h.reason)")
        lines.append("")
        var facts = ["run `\(h.runID)`"]
        if let by = h.decidedBy { facts.append("decided by \(by)") }
        if let d = h.durationSeconds { facts.append("took \(ReportNumber.duration(d))") }
        if let sha = h.pipelineSha256 { facts.append("pipeline `\(sha.prefix(12))`") }
        lines.append(facts.joined(separator: " · "))
        for stage in m.stages {
            lines.append("")
            let counts = stage.arms.map { "\($0.arm) \($0.requests)" }.joined(separator: ", ")
            lines.append("**\(stage.name)**\(stage.weight.map { " (weight \($0)%)" } ?? "")\(stage.checks.last.map { " — \($0.decision) after \(stage.checks.count) check\(stage.checks.count == 1 ? "" : "s")" } ?? "")\(counts.isEmpty ? "" : "; requests: \(counts)")")
            if stage.statsRows.isEmpty {
                for d in stage.distributions where d.metric != "output_tokens" {
                    lines.append("- \(d.metric) p50/p95: " + d.arms.map { "\($0.arm) \(ReportNumber.format($0.p50))/\(ReportNumber.format($0.p95))" }.joined(separator: ", "))
                }
                continue
            }
            lines.append("")
            lines.append("| metric | baseline | candidate | change | interval | tolerance | p | |")
            lines.append("|---|---:|---:|---:|---:|---|---:|---|")
            for row in stage.statsRows {
                let j = row.judgement
                lines.append("| \(j.metric) | \(ReportNumber.format(j.baselineValue)) | \(ReportNumber.format(j.candidateValue)) | \(arrow(j)) | \(ReportNumber.interval(j.ciLow, j.ciHigh)) | \(j.tolerance ?? "–") | \(ReportNumber.pValue(j.pValue)) | \(mark(j.outcome)) \(j.outcome) |")
            }
        }
        for eval in m.evals {
            lines.append("")
            let rates = eval.passRates.map { "\($0.version ?? $0.arm) \(ReportNumber.percent($0.rate)) \(ReportNumber.interval($0.low, $0.high))" }.joined(separator: " vs ")
            lines.append("**eval \(eval.suite)**: pass rate \(rates); \(eval.cases.filter(\.regression).count) regressions, \(eval.cases.filter(\.improvement).count) improvements")
        }
        if let d = m.drift {
            lines.append("")
            lines.append("**drift \(d.suite)**: \(d.summary) (\(ReportNumber.percent(d.share)) of \(d.features.count) features)")
            for f in d.features where f.drifted { lines.append("- \(f.feature): \(f.test), \(f.note)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `↑ +12.5 worse`, `↓ -3 better`, `= 0`.
    func arrow(_ j: MetricJudgement) -> String {
        guard let estimate = j.estimate else { return "–" }
        let sign = estimate > 0 ? "+" : ""
        let direction = estimate > 0 ? "↑" : estimate < 0 ? "↓" : "="
        let judged = j.movedWorse.map { $0 ? " worse" : " better" } ?? ""
        return "\(direction) \(sign)\(ReportNumber.format(estimate))\(judged)"
    }

    func mark(_ outcome: String) -> String {
        switch outcome {
        case "pass": return "✅"
        case "fail": return "❌"
        case "inconclusive": return "⏳"
        default: return "⚪"
        }
    }
}
