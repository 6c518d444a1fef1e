import Yams

/// Reads `stages:` and checks their order: shadow before canaries, canary weights strictly
/// increasing inside (0, 100), approval gates followed by something to approve, `full` last,
/// stage names unique.
enum StagesReader {
    static let kinds = ["shadow", "canary", "approval", "pause", "full"]

    /// `rate`: the traffic's open-loop rate (requests per second), from which a canary's default
    /// `max_samples` is derived.
    static func read(_ value: YAMLValue?, rate: Double?, context: LoadContext) -> [Stage]? {
        guard let value, let items = value.sequence() else { return nil }
        if items.isEmpty {
            context.report(value.mark, "'stages' must list at least one stage")
            return nil
        }
        var stages: [(Stage, YAMLValue)] = []
        var explicit: Set<Int> = []
        for item in items {
            guard let (stage, named) = readStage(item, rate: rate) else { continue }
            if named { explicit.insert(stages.count) }
            stages.append((stage, item))
        }
        uniquifyDerivedNames(&stages, explicit: explicit)
        checkOrder(stages, explicit: explicit, context: context)
        return stages.count == items.count ? stages.map(\.0) : nil
    }

    /// The stage, and whether its name was written in the file (rather than derived from its kind).
    static func readStage(_ item: YAMLValue, rate: Double?) -> (Stage, Bool)? {
        guard let m = item.mapping() else { return nil }
        let kindKeys = m.keys.filter { kinds.contains($0) }
        guard kindKeys.count == 1, let kind = kindKeys.first else {
            let unknown = m.keys.filter { !kinds.contains($0) && $0 != "name" }
            if kindKeys.isEmpty, let first = unknown.first {
                item.context.report(m.keyMark(first), "unknown stage kind '\(first)'; expected one of \(kinds.joined(separator: ", "))\(DidYouMean.hint(for: first, among: kinds))")
            } else {
                item.context.report(item.mark, "each stage has exactly one kind (shadow, canary, approval, pause or full), got \(kindKeys.isEmpty ? "none" : kindKeys.joined(separator: " and "))")
            }
            return nil
        }
        let body = m.value(kind)?.mapping() ?? MappingReader(empty: YAMLValue(node: .scalar(.init("")), path: "\(item.path).\(kind)", context: item.context))
        let explicitName = body.value("name")?.nonEmptyString() ?? m.value("name")?.nonEmptyString()
        let what = "'\(item.path).\(kind)'"
        let stageKind: Stage.Kind?
        switch kind {
        case "shadow":
            let requests = body.int("requests", in: 1...100_000_000)
            let duration = body.duration("duration")
            let suites = (body.sequence("suites") ?? []).compactMap { CommonChecks.existingFile($0) }
            stageKind = .shadow(requests: requests, duration: duration, suites: suites)
        case "canary":
            let weightValue = body.required("weight", in: what)
            var weight: Int?
            if let weightValue, let w = weightValue.int() {
                if w <= 0 || w >= 100 {
                    item.context.report(weightValue.mark, "canary weight must be between 1 and 99 (use a 'full' stage for 100), got \(w)")
                } else {
                    weight = w
                }
            }
            let minSamples = body.int("min_samples", in: 1...100_000_000) ?? 100
            let maxDuration = body.duration("max_duration") ?? .seconds(900)
            let interval = body.duration("check_interval")
            let onTimeout = body.oneOf("on_timeout", Stage.TimeoutAction.allCases.map(\.rawValue)).flatMap(Stage.TimeoutAction.init(rawValue:)) ?? .rollback
            var maxSamples = body.int("max_samples", in: 2...100_000_000)
            if let explicit = maxSamples, explicit < minSamples {
                item.context.report(body.value("max_samples")?.mark, "'max_samples' (\(explicit)) must be at least 'min_samples' (\(minSamples)): the stage must be able to promote by its horizon")
                maxSamples = nil
            }
            stageKind = weight.map {
                .canary(weight: $0, minSamples: minSamples,
                        maxSamples: maxSamples ?? defaultMaxSamples(weight: $0, minSamples: minSamples, maxDuration: maxDuration, rate: rate),
                        maxDuration: maxDuration, checkInterval: interval, onTimeout: onTimeout)
            }
        case "approval":
            stageKind = .approval(note: body.string("note"))
        case "pause":
            stageKind = body.required("duration", in: what)?.duration().map { .pause(duration: $0) }
        default:
            stageKind = .full
        }
        body.finish(what: what)
        m.finish(what: "'\(item.path)'")
        guard let stageKind else { return nil }
        var stage = Stage(name: explicitName ?? kind, kind: stageKind)
        if explicitName == nil, case .canary(let w, _, _, _, _, _) = stageKind { stage.name = "canary-\(w)" }
        return (stage, explicitName != nil)
    }

    /// A canary's planned samples per arm when `max_samples` is not written: with an open-loop
    /// `traffic.rate`, 80% of the candidate's expected requests by `max_duration`
    /// (rate × weight% × max_duration), so the horizon is reached before the timeout; otherwise
    /// (closed loop or live traffic) 4 × `min_samples`. Never below `min_samples`.
    static func defaultMaxSamples(weight: Int, minSamples: Int, maxDuration: Duration, rate: Double?) -> Int {
        guard let rate else { return max(2, 4 * minSamples) }
        let expected = rate * Double(weight) / 100 * DurationText.seconds(maxDuration) * 0.8
        return max(minSamples, 2, Int(min(expected, 100_000_000)))
    }

    /// Gives derived names a suffix (`approval`, `approval-2`) so that only names the user
    /// wrote twice are reported as duplicates.
    static func uniquifyDerivedNames(_ stages: inout [(Stage, YAMLValue)], explicit: Set<Int>) {
        var used = Set(explicit.map { stages[$0].0.name })
        for index in stages.indices where !explicit.contains(index) {
            let base = stages[index].0.name
            var name = base, n = 2
            while used.contains(name) { name = "\(base)-\(n)"; n += 1 }
            stages[index].0.name = name
            used.insert(name)
        }
    }

    static func checkOrder(_ stages: [(Stage, YAMLValue)], explicit: Set<Int>, context: LoadContext) {
        var names: [String: Int] = [:]
        var lastWeight = 0
        var seenCanary = false
        for (index, (stage, item)) in stages.enumerated() {
            if explicit.contains(index), let previous = names[stage.name] {
                context.report(item.mark, "duplicate stage name '\(stage.name)' (also stage \(previous + 1)); give one a distinct 'name'")
            }
            names[stage.name] = index
            switch stage.kind {
            case .shadow:
                if seenCanary { context.report(item.mark, "a shadow stage must come before every canary stage") }
            case .canary(let weight, _, _, _, _, _):
                if weight <= lastWeight {
                    context.report(item.mark, "canary weights must strictly increase: \(weight) follows \(lastWeight)")
                }
                lastWeight = max(lastWeight, weight)
                seenCanary = true
            case .full:
                if index != stages.count - 1 { context.report(item.mark, "'full' must be the last stage") }
            case .approval:
                if index == 0 {
                    context.report(item.mark, "an approval gate cannot be the first stage: there is nothing to approve yet")
                } else if index == stages.count - 1 {
                    context.report(item.mark, "an approval gate cannot be the last stage: it must be followed by the stage it approves")
                } else if case .approval = stages[index + 1].0.kind {
                    context.report(stages[index + 1].1.mark, "two approval gates in a row; merge them into one")
                }
            case .pause:
                if index == stages.count - 1 { context.report(item.mark, "a pause cannot be the last stage") }
            }
        }
    }
}
