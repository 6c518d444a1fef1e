import Foundation
import Yams

/// Reads `kind: evalsuite` and `kind: driftsuite` documents.
enum SuiteLoader {
    static func readEvalSuite(_ root: MappingReader, context: LoadContext) -> EvalSuite? {
        _ = root.value("version"); _ = root.value("kind")
        let name = root.required("name", in: "the eval suite")?.nonEmptyString()
        let description = root.string("description")
        let api = root.oneOf("api", ModelAPI.allCases.map(\.rawValue)).flatMap(ModelAPI.init(rawValue:)) ?? .chat
        let cases = CommonChecks.existingFile(root.required("cases", in: "the eval suite"))
        var scorers: [ScorerConfig] = []
        if let items = root.required("scorers", in: "the eval suite")?.sequence() {
            if items.isEmpty { context.report(root.value("scorers")?.mark, "'scorers' must list at least one scorer") }
            for item in items { if let scorer = readScorer(item) { scorers.append(scorer) } }
            var seen: Set<String> = []
            for (scorer, item) in zip(scorers, items) where !seen.insert(scorer.name).inserted {
                context.report(item.mark, "duplicate scorer name '\(scorer.name)'; give one a distinct 'name'")
            }
        }
        let threshold = root.double("pass_threshold", min: 0, max: 1) ?? 1.0
        let maxDrop = root.tolerance("max_drop") ?? EvalSuite.defaultMaxDrop
        let repeats = root.int("repeat", in: 1...100) ?? 1
        var defaults: [String: JSONValue] = [:]
        if let d = root.mapping("defaults") {
            for key in ["temperature", "max_tokens", "seed", "top_p"] {
                if let v = d.value(key) { defaults[key] = jsonValue(v) }
            }
            d.finish(what: "'defaults'")
        }
        root.finish(what: "the eval suite")
        guard let name, let cases, !scorers.isEmpty else { return nil }
        return EvalSuite(name: name, description: description, api: api, cases: cases, scorers: scorers,
                         passThreshold: threshold, maxDrop: maxDrop, repeats: repeats, requestDefaults: defaults)
    }

    static func readScorer(_ item: YAMLValue) -> ScorerConfig? {
        guard let m = item.mapping() else { return nil }
        let kind = m.required("type", in: "'\(item.path)'")?.oneOf(ScorerKind.allCases.map(\.rawValue)).flatMap(ScorerKind.init(rawValue:))
        let weight = m.double("weight", min: 0) ?? 1
        let name = m.string("name")
        guard let kind else {
            for key in m.keys { _ = m.value(key) }  // the type is wrong: its options cannot be judged
            return nil
        }
        var options: [String: JSONValue] = [:]
        for key in kind.optionKeys {
            guard let v = m.value(key) else { continue }
            switch key {
            case "endpoint": if let url = CommonChecks.endpoint(v) { options[key] = .string(url) }
            case "api_key_env": if let env = CommonChecks.envName(v) { options[key] = .string(env) }
            case "pattern":
                if let p = v.string() {
                    if (try? NSRegularExpression(pattern: p)) == nil { v.context.report(v.mark, "'\(v.path)' is not a valid regular expression: \(p)") }
                    else { options[key] = .string(p) }
                }
            case "mode" where kind == .judge: if let s = v.oneOf(["single", "pairwise"]) { options[key] = .string(s) }
            case "mode": if let s = v.oneOf(["any", "all"]) { options[key] = .string(s) }
            case "unit": if let s = v.oneOf(["tokens", "characters"]) { options[key] = .string(s) }
            case "against": if let s = v.oneOf(["expected", "baseline"]) { options[key] = .string(s) }
            case "expect" where kind == .refusal: if let s = v.oneOf(["refuse", "answer"]) { options[key] = .string(s) }
            case "metric": if let s = v.oneOf(["ttft_ms", "e2e_ms"]) { options[key] = .string(s) }
            case "min", "max", "max_ms", "max_usd", "tolerance", "min_score", "per_1k_input_usd", "per_1k_output_usd", "scale":
                if let d = v.double(min: 0) { options[key] = .number(d) }
            case "ignore_case", "trim", "must_match", "relative": if let b = v.bool() { options[key] = .bool(b) }
            default: options[key] = jsonValue(v)
            }
        }
        m.finish(what: "a \(kind.rawValue) scorer ('\(item.path)')")
        switch kind {
        case .regex where options["pattern"] == nil && !m.has("pattern"):
            item.context.report(item.mark, "a regex scorer needs 'pattern'")
        case .jsonSchema where options["schema"] == nil:
            item.context.report(item.mark, "a json_schema scorer needs 'schema'")
        case .judge where options["rubric"] == nil:
            item.context.report(item.mark, "a judge scorer needs 'rubric' (what the judge model grades)")
        case .latency where options["max_ms"] == nil:
            item.context.report(item.mark, "a latency scorer needs 'max_ms'")
        case .cost where options["max_usd"] == nil:
            item.context.report(item.mark, "a cost scorer needs 'max_usd'")
        default: break
        }
        return ScorerConfig(kind: kind, name: name ?? kind.rawValue, weight: weight, options: options)
    }

    static func readDriftSuite(_ root: MappingReader, context: LoadContext) -> DriftSuite? {
        _ = root.value("version"); _ = root.value("kind")
        let name = root.required("name", in: "the drift suite")?.nonEmptyString()
        let description = root.string("description")
        let api = root.oneOf("api", ModelAPI.allCases.map(\.rawValue)).flatMap(ModelAPI.init(rawValue:)) ?? .chat
        var target: ModelVersion?
        if let t = root.required("target", in: "the drift suite")?.mapping() {
            CommonChecks.rejectInlineSecrets(t, what: "'target'")
            let endpoint = CommonChecks.endpoint(t.required("endpoint", in: "'target'"))
            let version = t.string("version") ?? "live"
            let modelID = t.string("model_id")
            let keyEnv = CommonChecks.envName(t.value("api_key_env"))
            let headers = CommonChecks.rejectSecretHeaders(t.value("headers"))
            t.finish(what: "'target'")
            target = endpoint.map { ModelVersion(version: version, endpoint: $0, modelID: modelID, apiKeyEnv: keyEnv, headers: headers) }
        }
        let reference = readReference(root.required("reference", in: "the drift suite"))
        let current = readWindow(root.required("current", in: "the drift suite"))
        var features: [DriftFeature] = []
        if let list = root.required("features", in: "the drift suite")?.sequence() {
            for item in list {
                guard let text = item.string() else { continue }
                if let f = DriftFeature(rawValue: text) { features.append(f) } else {
                    context.report(item.mark, "unknown drift feature '\(text)'; known: \(DriftFeature.allCases.map(\.rawValue).joined(separator: ", "))\(DidYouMean.hint(for: text, among: DriftFeature.allCases.map(\.rawValue)))")
                }
            }
        }
        var alpha = 0.05, correction = DriftSuite.Correction.holm, psi = 0.2
        var minEffect: [DriftFeature: Tolerance] = [:]
        if let t = root.mapping("tests") {
            alpha = t.double("alpha", min: 0.0001, max: 0.5) ?? alpha
            correction = t.oneOf("correction", DriftSuite.Correction.allCases.map(\.rawValue)).flatMap(DriftSuite.Correction.init(rawValue:)) ?? correction
            psi = t.double("psi_threshold", min: 0) ?? psi
            if let effects = t.mapping("min_effect") {
                for key in effects.keys {
                    guard let v = effects.value(key) else { continue }
                    guard let feature = DriftFeature(rawValue: key) else {
                        context.report(effects.keyMark(key), "unknown drift feature '\(key)' in 'tests.min_effect'\(DidYouMean.hint(for: key, among: DriftFeature.allCases.map(\.rawValue)))")
                        continue
                    }
                    if let tol = v.tolerance() { minEffect[feature] = tol }
                }
            }
            t.finish(what: "'tests'")
        }
        var schedule: CronSchedule?
        if let s = root.mapping("schedule") {
            let cron = s.required("cron", in: "'schedule'")
            let zone = s.string("timezone") ?? "UTC"
            if let cron, let text = cron.string() {
                do { schedule = try CronSchedule(text, timeZone: zone) } catch { context.report(cron.mark, "'schedule.cron': \(error.description)") }
            }
            s.finish(what: "'schedule'")
        }
        var webhook: String?, tokenEnv: String?
        if let n = root.mapping("notify") {
            CommonChecks.rejectInlineSecrets(n, what: "'notify'")
            webhook = CommonChecks.endpoint(n.required("webhook", in: "'notify'"))
            tokenEnv = CommonChecks.envName(n.value("token_env"))
            n.finish(what: "'notify'")
        }
        var rollbackPipeline: String?
        if let o = root.mapping("on_drift") {
            if o.bool("rollback") == true {
                rollbackPipeline = o.required("pipeline", in: "'on_drift' (the pipeline whose active run is rolled back)")?.string()
            } else { _ = o.value("pipeline") }
            o.finish(what: "'on_drift'")
        }
        root.finish(what: "the drift suite")
        guard let name, let target, let reference, let current, !features.isEmpty else { return nil }
        return DriftSuite(name: name, description: description, api: api, target: target, reference: reference, current: current,
                          features: features, alpha: alpha, correction: correction, minEffect: minEffect, psiThreshold: psi,
                          schedule: schedule, notifyWebhook: webhook, notifyTokenEnv: tokenEnv, rollbackPipeline: rollbackPipeline)
    }

    static func readReference(_ value: YAMLValue?) -> DriftReference? {
        guard let value, let m = value.mapping() else { return nil }
        let run = m.string("run")
        let last = m.string("last_promoted")
        let file = CommonChecks.existingFile(m.value("file"))
        m.finish(what: "'reference'")
        let given = [m.has("run"), m.has("last_promoted"), m.has("file")].filter { $0 }.count
        guard given == 1 else {
            value.context.report(value.mark, "'reference' needs exactly one of 'run' (a run id), 'last_promoted' (a pipeline name) or 'file' (samples as JSON Lines)")
            return nil
        }
        if let run { return .run(id: run) }
        if let last { return .lastPromoted(pipeline: last) }
        return file.map { .file(path: $0) }
    }

    static func readWindow(_ value: YAMLValue?) -> DriftWindow? {
        guard let value, let m = value.mapping() else { return nil }
        var window: DriftWindow?
        if let r = m.mapping("replay") {
            let traffic = CommonChecks.existingFile(r.required("traffic", in: "'current.replay'"))
            let requests = r.int("requests", in: 1...10_000_000) ?? 200
            let concurrency = r.int("concurrency", in: 1...10_000) ?? 4
            r.finish(what: "'current.replay'")
            window = traffic.map { .replay(traffic: $0, requests: requests, concurrency: concurrency) }
        }
        if let d = m.duration("recent") {
            if window != nil { value.context.report(value.mark, "'current' needs one of 'replay' or 'recent', not both") }
            window = .recent(window: d)
        }
        m.finish(what: "'current'")
        if window == nil, !m.has("replay"), !m.has("recent") {
            value.context.report(value.mark, "'current' needs 'replay' (traffic to send now) or 'recent' (a window of gateway samples, e.g. 6h)")
        }
        return window
    }

    static func jsonValue(_ value: YAMLValue) -> JSONValue {
        switch value.node {
        case .scalar(let s):
            if value.isNull { return .null }
            if s.style == .plain {
                if let i = Int(s.string) { return .integer(i) }
                if let d = Double(s.string), d.isFinite, s.string.rangeOfCharacter(from: .letters) == nil { return .number(d) }
                if ["true", "True", "TRUE"].contains(s.string) { return .bool(true) }
                if ["false", "False", "FALSE"].contains(s.string) { return .bool(false) }
            }
            return .string(s.string)
        case .sequence:
            return .array((value.sequence() ?? []).map(jsonValue))
        case .mapping(let m):
            var object: [String: JSONValue] = [:]
            for (k, v) in m {
                guard let key = k.string else { continue }
                object[key] = jsonValue(YAMLValue(node: v, path: "\(value.path).\(key)", context: value.context))
            }
            return .object(object)
        case .alias:
            return .null
        }
    }
}
