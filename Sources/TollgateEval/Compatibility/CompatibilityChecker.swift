import Foundation
public import TollgateCore
import TollgateStats
import TollgateTraffic

/// The answer-based compatibility checks (JSON shape, tool-call format, finish-reason
/// distribution); the context-length probe is ``ContextProbe``.
public enum CompatibilityChecker {
    /// Runs the three answer-based checks on the answers of both arms.
    public static func check(answers: [CaseAnswer], alpha: Double = 0.05) -> [CompatibilityCheck] {
        var baseline: [String: CaseAnswer] = [:], candidate: [String: CaseAnswer] = [:]
        for a in answers {
            let key = "\(a.caseID)#\(a.repetition)"
            if a.arm == .baseline { baseline[key] = a } else if a.arm == .candidate { candidate[key] = a }
        }
        let pairs: [(String, CaseAnswer, CaseAnswer)] = baseline.keys.sorted().compactMap { key in candidate[key].map { (key, baseline[key]!, $0) } }
        return [jsonFields(pairs), toolCalls(pairs), finishReasons(answers, alpha: alpha)]
    }

    /// A JSON value's shape: every path with its type (`integer` and `number` are one type,
    /// `number`, since a model writing 3.0 for 3 does not break a parser).
    public static func shape(_ value: JSONValue, path: String = "$", into out: inout [String: String]) {
        switch value {
        case .object(let members):
            out[path] = "object"
            for (k, v) in members { shape(v, path: "\(path).\(k)", into: &out) }
        case .array(let items):
            out[path] = "array"
            for item in items { shape(item, path: "\(path)[]", into: &out) }
        case .null: out[path] = out[path] ?? "null"
        case .bool: out[path] = "boolean"
        case .integer, .number: out[path] = "number"
        case .string: out[path] = "string"
        }
    }

    static func jsonFields(_ pairs: [(String, CaseAnswer, CaseAnswer)]) -> CompatibilityCheck {
        var problems: [String] = [], checked = 0
        for (key, base, cand) in pairs {
            guard base.sample.succeeded, let b = JSONAnswer.parse(base.sample.responseText ?? ""),
                  b.objectValue != nil || b.arrayValue != nil else { continue }
            checked += 1
            guard let c = JSONAnswer.parse(cand.sample.responseText ?? "") else {
                problems.append("\(key): the baseline answered JSON, the candidate did not.")
                continue
            }
            var bs: [String: String] = [:], cs: [String: String] = [:]
            shape(b, into: &bs)
            shape(c, into: &cs)
            for (path, type) in bs.sorted(by: { $0.key < $1.key }) {
                guard let other = cs[path] else { problems.append("\(key): \(path) is missing."); continue }
                if other != type && type != "null" && other != "null" {
                    problems.append("\(key): \(path) changed from \(type) to \(other).")
                }
            }
        }
        if checked == 0 { return CompatibilityCheck(name: "json_fields", status: .skipped, detail: "No baseline answer was JSON.") }
        return CompatibilityCheck(name: "json_fields", status: problems.isEmpty ? .pass : .fail,
                                  detail: "\(checked) JSON answers compared field by field; \(problems.count) differences.", problems: problems)
    }

    static func toolCalls(_ pairs: [(String, CaseAnswer, CaseAnswer)]) -> CompatibilityCheck {
        var problems: [String] = [], checked = 0
        for (key, base, cand) in pairs where !base.toolCalls.isEmpty {
            checked += 1
            if cand.toolCalls.isEmpty {
                problems.append("\(key): the baseline called \(base.toolCalls.map(\.name).joined(separator: ", ")), the candidate called no tool.")
                continue
            }
            let bn = base.toolCalls.map(\.name).sorted(), cn = cand.toolCalls.map(\.name).sorted()
            if bn != cn { problems.append("\(key): tools \(bn.joined(separator: ", ")) became \(cn.joined(separator: ", ")).") }
            for call in cand.toolCalls {
                guard let args = JSONValue.parse(Data(call.arguments.utf8)), args.objectValue != nil else {
                    problems.append("\(key): the arguments of \(call.name) are not a JSON object.")
                    continue
                }
                guard let reference = base.toolCalls.first(where: { $0.name == call.name }),
                      let refArgs = JSONValue.parse(Data(reference.arguments.utf8)) else { continue }
                var rs: [String: String] = [:], cs: [String: String] = [:]
                shape(refArgs, into: &rs)
                shape(args, into: &cs)
                for (path, type) in rs.sorted(by: { $0.key < $1.key }) where cs[path] != type {
                    problems.append("\(key): \(call.name) argument \(path) is \(cs[path] ?? "missing"), was \(type).")
                }
            }
        }
        if checked == 0 { return CompatibilityCheck(name: "tool_calls", status: .skipped, detail: "The baseline made no tool call.") }
        return CompatibilityCheck(name: "tool_calls", status: problems.isEmpty ? .pass : .fail,
                                  detail: "\(checked) answers with tool calls compared; \(problems.count) differences.", problems: problems)
    }

    /// Chi-square test of the finish-reason counts (baseline vs candidate, successful answers).
    static func finishReasons(_ answers: [CaseAnswer], alpha: Double) -> CompatibilityCheck {
        var counts: [String: (Double, Double)] = [:]
        for a in answers where a.sample.succeeded && a.arm != .shadow {
            let reason = a.sample.finishReason ?? "none"
            var pair = counts[reason] ?? (0, 0)
            if a.arm == .baseline { pair.0 += 1 } else { pair.1 += 1 }
            counts[reason] = pair
        }
        let reasons = counts.keys.sorted()
        let summary = reasons.map { "\($0) \(Int(counts[$0]!.0))→\(Int(counts[$0]!.1))" }.joined(separator: ", ")
        guard reasons.count > 1 else {
            return CompatibilityCheck(name: "finish_reasons", status: reasons.isEmpty ? .skipped : .pass,
                                      detail: reasons.isEmpty ? "No successful answers." : "Every answer finished with '\(reasons[0])' (\(summary)).")
        }
        let rows = [reasons.map { counts[$0]!.0 }, reasons.map { counts[$0]!.1 }]
        guard let test = try? ChiSquare.test(rows: rows), let p = test.pValue else {
            return CompatibilityCheck(name: "finish_reasons", status: .skipped, detail: "One version had no successful answer (\(summary)).")
        }
        let detail = String(format: "Finish reasons baseline→candidate: %@; chi-square p = %.3g.", summary, p)
        return CompatibilityCheck(name: "finish_reasons", status: p < alpha ? .fail : .pass, detail: detail,
                                  problems: p < alpha ? ["The finish-reason distribution changed (p = \(String(format: "%.3g", p)) < \(alpha))."] : [])
    }
}
