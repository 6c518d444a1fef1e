import Foundation
public import TollgateCore
import TollgateStats

/// Evaluates a pipeline's `rollback.on` rules at one check: which rules the latest numbers
/// breach, and whether a breach has lasted long enough to roll back.
public struct RollbackRuleEvaluator: Sendable {
    public let rules: [RollbackRule]
    public let objectives: Objectives

    public init(rules: [RollbackRule], objectives: Objectives) {
        self.rules = rules
        self.objectives = objectives
    }

    /// A rule that fired, with the numbers behind it.
    public struct Trigger: Sendable, Equatable {
        public var rule: String
        public var reason: String
        public var numbers: [String: Double]
    }

    /// The result of one check.
    public struct Evaluation: Sendable, Equatable {
        /// Ids of the rules breached at this check.
        public var breaches: [String]
        /// The first rule whose breach reached its `consecutive` count, if any.
        public var trigger: Trigger?
        /// Ids of the rules without data at this check (their metrics source read nothing): neither
        /// breached nor passed, so their runs of consecutive breaches carry over.
        public var unmeasured: [String] = []
    }

    /// Stable id of a rule, used to count consecutive breaches across checks.
    public static func id(of rule: RollbackRule) -> String {
        switch rule {
        case .analysis(let marginal): return marginal ? "analysis:marginal" : "analysis:fail"
        case .errorRate(let above, _): return "error_rate>\(above)"
        case .objective(let metric, let quantile, _): return "objective:\(metric.rawValue).\(quantile.rawValue)"
        case .alert(let matchers): return "alert:" + matchers.map(\.description).joined(separator: ",")
        case .drift(let suite): return "drift:\(suite)"
        }
    }

    /// Whether the rules ask to roll back on the judge's verdict (`analysis: fail`), and on hold too.
    public var rollsBackOnVerdict: (fail: Bool, marginal: Bool) {
        var fail = false, marginal = false
        for case .analysis(let m) in rules {
            fail = true
            if m { marginal = true }
        }
        return (fail, marginal)
    }

    /// Evaluates the rules on the candidate's samples and the verdict, given how many checks
    /// in a row each rule had already been breached. A rule with an entry in `readings` (a metrics
    /// source's counters or histogram, by rule id) compares that number instead of the samples'.
    public func evaluate(candidate: [Sample], verdict: StageVerdict, previous: [String: Int],
                         readings: [String: RuleReading] = [:]) -> Evaluation {
        var breaches: [String] = []
        var unmeasured: [String] = []
        var trigger: Trigger?
        func breached(_ rule: RollbackRule, consecutive: Int, reason: String, numbers: [String: Double]) {
            let id = Self.id(of: rule)
            breaches.append(id)
            let count = (previous[id] ?? 0) + 1
            if trigger == nil, count >= consecutive {
                var numbers = numbers
                numbers["consecutive_checks"] = Double(count)
                trigger = Trigger(rule: id, reason: reason, numbers: numbers)
            }
        }
        for rule in rules {
            let reading = readings[Self.id(of: rule)]
            if case .nodata? = reading {
                unmeasured.append(Self.id(of: rule))
                continue
            }
            switch rule {
            case .analysis(let marginal):
                if verdict.decision == .rollback || (marginal && verdict.decision == .hold) {
                    breached(rule, consecutive: 1, reason: "the \(verdict.decision == .rollback ? "judge failed" : "judge held") the candidate: \(verdict.summary)",
                             numbers: verdict.score.map { ["score": $0] } ?? [:])
                }
            case .errorRate(let above, let consecutive):
                var errors = candidate.filter { !$0.succeeded }.count, requests = candidate.count, origin = ""
                if case .rate(let e, let n, let queries)? = reading {
                    (errors, requests, origin) = (e, n, ", from the metrics source's counters: " + Self.quoted(queries))
                }
                guard requests > 0 else { continue }
                let rate = Double(errors) / Double(requests)
                if rate > above {
                    breached(rule, consecutive: consecutive,
                             reason: String(format: "candidate error rate %.2f%% is above %.2f%% (%d of %d requests failed%@)", rate * 100, above * 100, errors, requests, origin),
                             numbers: ["error_rate": rate, "bound": above, "errors": Double(errors), "requests": Double(requests)])
                }
            case .objective(let metric, let quantile, let consecutive):
                guard let target = objectives.latency[metric]?.all.first(where: { $0.0 == quantile })?.1 else { continue }
                let values = Self.values(of: metric, in: candidate)
                let observed: Double, count: Int, origin: String
                if case .latency(let ms, let n, let queries)? = reading {
                    observed = ms
                    count = n
                    origin = (quantile.level == nil ? " (the metrics source's _sum / _count: " : " (the metrics source's histogram: ") + Self.quoted(queries) + ")"
                } else {
                    guard !values.isEmpty else { continue }
                    observed = quantile.level.map { Descriptive.quantile(values, $0) } ?? Descriptive.mean(values)
                    count = values.count
                    origin = ""
                }
                if observed > target {
                    breached(rule, consecutive: consecutive,
                             reason: String(format: "candidate %@ %@ is %.1f ms%@, over its objective of %.1f ms", metric.rawValue, quantile.rawValue, observed,
                                            origin, target),
                             numbers: ["observed_ms": observed, "objective_ms": target, "samples": Double(count)])
                }
            case .alert, .drift:
                continue  // These arrive as commands from `tollgate serve`, not from samples.
            }
        }
        return Evaluation(breaches: breaches, trigger: trigger, unmeasured: unmeasured)
    }

    /// The per-request values of a latency metric among successful samples (``MetricName/observations(in:)``:
    /// `itl_ms` is each request's mean inter-token gap, as the judge and the metrics source read it).
    public static func values(of metric: LatencyMetric, in samples: [Sample]) -> [Double] {
        MetricName(metric).observations(in: samples)
    }

    static func quoted(_ queries: [String]) -> String { queries.map { "`\($0)`" }.joined(separator: ", ") }
}
