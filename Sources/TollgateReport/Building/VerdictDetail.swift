import Foundation
import TollgateCore

/// Reads a stored verdict (the engine's stage verdict, whose `detailJSON` holds the judge's own
/// verdict) without depending on the judge's types: known fields by name, every other number kept
/// under its dotted path, so fields a judge adds later (sequential boundaries, spent α/β) show up
/// in reports without a change here.
enum VerdictDetail {
    /// The judge's metric fields that have a place of their own in ``MetricJudgement``.
    static let knownMetricFields: Set<String> = [
        "metric", "outcome", "critical", "weight", "method", "baseline_count", "candidate_count", "baseline_value",
        "candidate_value", "estimate", "ci_low", "ci_high", "confidence", "tolerance", "allowance", "p_value",
        "explanation", "kayenta_classification",
    ]

    static func check(payload: String, verdictID: Int64?, at: Date, look: Int, worse: [String: String]) -> CheckReport {
        let stage = JSONValue.parse(Data(payload.utf8)) ?? .object([:])
        let detail = stage["detailJSON"]?.stringValue.flatMap { JSONValue.parse(Data($0.utf8)) } ?? .object([:])
        let lines = stage["metrics"]?.arrayValue ?? []
        var metrics: [MetricJudgement] = []
        for item in detail["metrics"]?.arrayValue ?? [] {
            metrics.append(judgement(item, worse: worse))
        }
        // A verdict without a detail (or a judge that stores none) still has its metric lines.
        if metrics.isEmpty {
            for line in lines {
                let name = line["metric"]?.stringValue ?? "?"
                metrics.append(MetricJudgement(metric: name, outcome: line["outcome"]?.stringValue ?? "?", explanation: line["sentence"]?.stringValue ?? "",
                                               worse: worse[name], extra: [:]))
            }
        }
        var numbers: [String: Double] = [:]
        if case .object(let members) = detail {
            for (key, value) in members where key != "metrics" && !["score", "pass_threshold", "marginal_threshold", "seed"].contains(key) {
                flatten(value, path: key, into: &numbers)
            }
        }
        return CheckReport(verdictID: verdictID, at: at, look: look, decision: stage["decision"]?.stringValue ?? "?",
                           score: stage["score"]?.doubleValue, summary: stage["summary"]?.stringValue ?? "",
                           judge: detail["judge"]?.stringValue, metrics: metrics, detail: numbers)
    }

    static func judgement(_ item: JSONValue, worse: [String: String]) -> MetricJudgement {
        let name = item["metric"]?.stringValue ?? "?"
        var extra: [String: Double] = [:]
        if case .object(let members) = item {
            for (key, value) in members where !knownMetricFields.contains(key) { flatten(value, path: key, into: &extra) }
        }
        return MetricJudgement(
            metric: name, outcome: item["outcome"]?.stringValue ?? "?", critical: item["critical"]?.boolValue,
            method: item["method"]?.stringValue, baselineCount: item["baseline_count"]?.intValue,
            candidateCount: item["candidate_count"]?.intValue, baselineValue: item["baseline_value"]?.doubleValue,
            candidateValue: item["candidate_value"]?.doubleValue, estimate: item["estimate"]?.doubleValue,
            ciLow: item["ci_low"]?.doubleValue, ciHigh: item["ci_high"]?.doubleValue, tolerance: item["tolerance"]?.stringValue,
            allowance: item["allowance"]?.doubleValue, pValue: item["p_value"]?.doubleValue, worse: worse[name],
            explanation: item["explanation"]?.stringValue ?? "", extra: extra)
    }

    /// Every number under `value`, keyed by its dotted path (`boundaries.rollback`, `looks.0`).
    static func flatten(_ value: JSONValue, path: String, into numbers: inout [String: Double]) {
        switch value {
        case .integer, .number:
            if let number = value.doubleValue, number.isFinite { numbers[path] = number }
        case .object(let members):
            for (key, member) in members { flatten(member, path: "\(path).\(key)", into: &numbers) }
        case .array(let items) where items.count <= 16:
            for (i, item) in items.enumerated() { flatten(item, path: "\(path).\(i)", into: &numbers) }
        default:
            break
        }
    }
}

extension MetricJudgement {
    init(metric: String, outcome: String, explanation: String, worse: String?, extra: [String: Double]) {
        self.init(metric: metric, outcome: outcome, critical: nil, method: nil, baselineCount: nil, candidateCount: nil,
                  baselineValue: nil, candidateValue: nil, estimate: nil, ciLow: nil, ciHigh: nil, tolerance: nil,
                  allowance: nil, pValue: nil, worse: worse, explanation: explanation, extra: extra)
    }

    /// The sample metric a criterion compares: `ttft_ms.p95` compares `ttft_ms`.
    public var baseMetric: String { String(metric.prefix { $0 != "." }) }

    /// Whether the candidate moved in the bad direction (`nil` without an estimate).
    public var movedWorse: Bool? {
        guard let estimate, estimate != 0 else { return nil }
        return (worse ?? "higher") == "higher" ? estimate > 0 : estimate < 0
    }
}
