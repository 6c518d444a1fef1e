import Foundation
import TollgateAnalysis
public import TollgateCore
import TollgateStats

/// The judge a pipeline asks for (`analysis.judge`), fed with the metrics of `analysis.metrics`
/// extracted from the samples: at canary checks the group-sequential judge (`tollgate`, with the
/// stage's `max_samples` as horizon and `analysis.alpha`, `beta`, `spending`) or the confidence
/// sequences (`always-valid`, tuned to the same horizon); the fixed-horizon `tollgate` judge for
/// shadow; or the Kayenta-compatible judge for both. `quality` metrics are decided once, on the
/// suite's single evaluation, by a fixed-horizon test in every judge, against the suite's `max_drop`.
///
/// Extraction per metric, successful requests only for latencies: `ttft_ms`, `e2e_ms`,
/// `tpot_ms`, `embedding_ms` one value per request; `itl_ms` the mean inter-token gap of each
/// request (one value per request keeps the observations independent); `output_tokens` per request;
/// `error_rate` 1 for a failed request, else 0; `timeout_rate` 1 for a timeout; `quality` the paired
/// pass/fail of each eval case on both versions (from the run's eval of the metric's suite).
/// `refusal_rate` is measured by eval suites' refusal scorers, not from samples: it counts as no data here.
public struct PipelineJudge: StageJudge {
    public let analysis: AnalysisConfig

    public init(analysis: AnalysisConfig) {
        self.analysis = analysis
    }

    /// The judge's name of a criterion: the metric, with the quantile when one is compared (`ttft_ms.p95`).
    static func criterionName(_ metric: MetricCriterionConfig) -> String {
        metric.quantile.map { "\(metric.metric.rawValue).\($0.rawValue)" } ?? metric.metric.rawValue
    }

    static func criterion(_ metric: MetricCriterionConfig) -> MetricCriterion {
        let kind: MetricKind
        if metric.metric == .quality {
            kind = .pairedBinary
        } else if metric.metric.isRate {
            kind = .rate
        } else {
            switch metric.quantile {
            case .p50: kind = .p50
            case .p90: kind = .p90
            case .p95: kind = .p95
            case .p99: kind = .p99
            case .mean, nil: kind = .location
            }
        }
        return MetricCriterion(name: criterionName(metric), kind: kind, worse: metric.worse == .higher ? .higher : .lower,
                               tolerance: metric.tolerance, critical: metric.critical, weight: metric.weight)
    }

    /// The judge of `analysis.judge` at a check: `tollgate` is the group-sequential test at canary
    /// checks and the fixed-horizon judge for shadow; `always-valid` is the confidence sequences at
    /// canary checks and the fixed-horizon judge for shadow; `kayenta` is Kayenta's judge for both.
    static func choice(_ judge: AnalysisConfig.Judge, sequential: Bool) -> JudgeChoice {
        switch judge {
        case .kayenta: return .kayenta
        case .tollgate: return sequential ? .sequential : .tollgate
        case .alwaysValid: return sequential ? .alwaysValid : .tollgate
        }
    }

    /// One arm's observations of a metric (the rule lives with ``MetricName``, shared with reports).
    static func values(_ metric: MetricName, _ samples: [Sample]) -> [Double] {
        metric.observations(in: samples)
    }

    /// Judges the decisive metrics; `dry_run` metrics are judged apart and shown as extra lines
    /// (`ttft_ms (dry run)`) that never change the decision or the score.
    public func judge(_ request: JudgeRequest) throws -> StageVerdict {
        var verdict = try judge(request, metrics: analysis.metrics.filter { !$0.dryRun })
        verdict.metrics = verdict.metrics.map { Self.explainUnmeasurable($0, request) }
        let dry = analysis.metrics.filter(\.dryRun)
        guard !dry.isEmpty else { return verdict }
        do {
            verdict.metrics += try judge(request, metrics: dry).metrics.map { Self.explainUnmeasurable($0, request) }.map {
                .init(metric: "\($0.metric) (dry run)", outcome: $0.outcome, sentence: "Measured, never decides: \($0.sentence)")
            }
        } catch {
            verdict.metrics += dry.map { .init(metric: "\(Self.criterionName($0)) (dry run)", outcome: "nodata", sentence: "Measured, never decides: \(error)") }
        }
        return verdict
    }

    /// A metric only the model server measures (`queue_ms`) has no data where no metrics source
    /// measured it (shadow stages judge Tollgate's samples): its line says why.
    static func explainUnmeasurable(_ line: StageVerdict.MetricLine, _ request: JudgeRequest) -> StageVerdict.MetricLine {
        guard line.outcome == "nodata", let metric = MetricName(rawValue: line.metric), metric.needsMetricsSource,
              request.observations[line.metric] == nil else { return line }
        return .init(metric: line.metric, outcome: line.outcome,
                     sentence: "\(line.metric) is not judged here: only the model server measures its queue time, and Tollgate's samples cannot; canary stages read it from the metrics_source.")
    }

    func judge(_ request: JudgeRequest, metrics: [MetricCriterionConfig]) throws -> StageVerdict {
        let criteria = metrics.map { metric in
            var criterion = Self.criterion(metric)
            // Quality is judged against the suite's max_drop as recorded when it was evaluated.
            if metric.metric == .quality, let maxDrop = metric.suite.flatMap({ request.quality[$0]?.maxDrop }) {
                criterion.tolerance = maxDrop
            }
            return criterion
        }
        var data: [String: MetricSamples] = [:]
        for metric in metrics {
            if metric.metric == .quality {
                let result = metric.suite.flatMap { request.quality[$0] }
                data[Self.criterionName(metric)] = MetricSamples(baseline: result?.baseline ?? [], candidate: result?.candidate ?? [])
                continue
            }
            data[Self.criterionName(metric)] = request.observations[Self.criterionName(metric)]
                ?? MetricSamples(baseline: Self.values(metric.metric, request.baseline), candidate: Self.values(metric.metric, request.candidate))
        }
        let settings = JudgeSettings(confidence: analysis.confidence, passThreshold: analysis.passThreshold,
                                     marginalThreshold: analysis.marginalThreshold, seed: analysis.seed)
        let perArm = request.measuredCounts.map { min($0.baseline, $0.candidate) } ?? min(request.baseline.count, request.candidate.count)
        let horizon = request.maxSamples ?? max(perArm, 2)
        let design = SequentialDesign(maxSamples: horizon, alpha: analysis.alpha, beta: analysis.beta,
                                      spending: SpendingFunction(analysis.spending))
        let verdict = try Self.choice(analysis.judge, sequential: request.sequential)
            .makeJudge(settings: settings, design: design, lookSizes: request.previousLooks + [perArm])
            .judge(criteria: criteria, data: data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return StageVerdict(
            decision: verdict.decision, score: verdict.score, summary: verdict.explanation,
            metrics: verdict.metrics.map { .init(metric: $0.metric, outcome: $0.outcome.rawValue, sentence: $0.explanation) },
            detailJSON: String(decoding: try encoder.encode(verdict), as: UTF8.self))
    }
}
