public import ArgumentParser
import Foundation
import TollgateAnalysis
import TollgateCore
import TollgateStats

/// `tollgate judge`: judges a candidate against a baseline on one or several metrics.
struct JudgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Judge candidate samples against baseline samples and decide promote, hold or rollback.",
        discussion: """
        One metric: --baseline FILE --candidate FILE --metric NAME (files hold one number per line or a
        JSON array). Several metrics: --samples FILE, a JSON object
          {"metrics": {"ttft_ms": {"baseline": [...], "candidate": [...], "kind": "location",
                                   "worse": "higher", "tolerance": "10%", "critical": true, "weight": 1}}}
        where every field but baseline and candidate is optional and defaults to the flags below.
        Judges: tollgate (default; fixed-horizon intervals per metric kind against the tolerance, as for a
        shadow stage), sequential (one look of a canary's group-sequential test, exactly as the engine
        judges it: --max-samples is the stage's horizon per arm, --previous-looks the samples per arm at
        the stage's earlier looks, --alpha/--beta/--spending the pipeline's analysis settings),
        always-valid (confidence sequences tuned to --max-samples, for stages without a horizon),
        kayenta (Spinnaker Kayenta's NetflixACAJudge). The verdict's JSON is documented in docs/statistics.md.
        Exit status: 0 promote, 4 hold, 3 rollback, 2 invalid input.
        """
    )

    @Option(help: ArgumentHelp("File of the baseline's values of the metric.", valueName: "FILE"))
    var baseline: String?

    @Option(help: ArgumentHelp("File of the candidate's values of the metric.", valueName: "FILE"))
    var candidate: String?

    @Option(help: "Name of the metric judged from --baseline and --candidate.")
    var metric: String?

    @Option(help: ArgumentHelp("JSON file of several metrics' samples (and optionally their criteria).", valueName: "FILE"))
    var samples: String?

    @Option(help: "Which judge: tollgate, sequential, always-valid or kayenta.")
    var judge: JudgeChoice = .tollgate

    @Option(help: "sequential and always-valid: the stage's planned samples per arm (its horizon).")
    var maxSamples: Int?

    @Option(help: ArgumentHelp("sequential: samples per arm at the stage's earlier looks, comma-separated (e.g. 50,100,150).", valueName: "N,N,..."))
    var previousLooks: String = ""

    @Option(help: "sequential: error rate of a rollback (default 1 − confidence).")
    var alpha: Double?

    @Option(help: "sequential: error rate of a promotion (a candidate worse by the tolerance promoted).")
    var beta: Double = 0.05

    @Option(help: "sequential: error spending, pocock, obrien-fleming or power(ρ).")
    var spending: String = "pocock"

    @Option(help: "sequential: how latencies (location kind) are compared: log (Welch z of mean log values) or rank (Mann–Whitney z).")
    var scale: LatencyScale = .log

    @Option(help: "Metric kind.")
    var kind: MetricKind = .location

    @Option(help: "Which direction is worse.")
    var worse: Worse = .higher

    @Option(help: "Allowed worsening: relative (10%), percentage points (0.5pp) or absolute (25).")
    var tolerance: String = "10%"

    @Flag(help: "Mark the metric critical: its failure rolls back regardless of the score.")
    var critical = false

    @Option(help: "Confidence level of the intervals.")
    var confidence: Double = 0.95

    @Option(help: "Seed of the bootstrap (p95/p99 kinds).")
    var seed: UInt64 = 1

    @Option(help: "Score (0–100) at or above which the decision is promote.")
    var passThreshold: Double = 95

    @Option(help: "Score (0–100) at or above which the decision is hold.")
    var marginalThreshold: Double = 75

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    /// One metric entry of a --samples file.
    struct SampleEntry: Decodable {
        var baseline: [Double]
        var candidate: [Double]
        var kind: MetricKind?
        var worse: Worse?
        var tolerance: Tolerance?
        var critical: Bool?
        var weight: Double?
    }

    struct SampleFile: Decodable {
        var metrics: [String: SampleEntry]
    }

    func validate() throws {
        if samples == nil {
            guard baseline != nil, candidate != nil, metric != nil else {
                throw ValidationError("Give --baseline FILE --candidate FILE --metric NAME, or --samples FILE for several metrics.")
            }
        } else if baseline != nil || candidate != nil {
            throw ValidationError("Use either --samples or --baseline/--candidate, not both.")
        }
        guard Tolerance.parse(tolerance) != nil else {
            throw ValidationError("--tolerance must look like 10%, 0.5pp or 25, got '\(tolerance)'.")
        }
        if judge == .sequential || judge == .alwaysValid {
            guard let maxSamples, maxSamples >= 2 else {
                throw ValidationError("--judge \(judge.rawValue) needs --max-samples N (the stage's planned samples per arm, at least 2).")
            }
        }
        guard AnalysisConfig.Spending(text: spending) != nil else {
            throw ValidationError("--spending must be pocock, obrien-fleming or power(ρ) with ρ > 0, got '\(spending)'.")
        }
        guard (try? looks()) != nil else {
            throw ValidationError("--previous-looks must be comma-separated positive sample counts, got '\(previousLooks)'.")
        }
    }

    func looks() throws -> [Int] {
        try previousLooks.split(separator: ",").map {
            guard let n = Int($0.trimmingCharacters(in: .whitespaces)), n > 0 else { throw ValidationError("bad look") }
            return n
        }
    }

    func run() throws {
        let verdict: Verdict
        do {
            let (criteria, data) = try load()
            let settings = JudgeSettings(confidence: confidence, passThreshold: passThreshold,
                                         marginalThreshold: marginalThreshold, seed: seed)
            let design = maxSamples.map { SequentialDesign(maxSamples: $0, alpha: alpha ?? 1 - confidence, beta: beta,
                                                            spending: SpendingFunction(AnalysisConfig.Spending(text: spending)!)) }
            let perArm = data.values.map { min($0.baseline.count, $0.candidate.count) }.min() ?? 0
            verdict = try judge
                .makeJudge(settings: settings, design: design, lookSizes: try looks() + [perArm], scale: scale)
                .judge(criteria: criteria, data: data)
        }
        if json { try Output.printJSON(verdict) } else { print(Self.describe(verdict)) }
        switch verdict.decision {
        case .promote: return
        case .hold: throw TollgateExit.waiting
        case .rollback: throw TollgateExit.rolledBack
        }
    }

    func load() throws -> ([MetricCriterion], [String: MetricSamples]) {
        let defaultKind = kind, defaultWorse = worse
        let defaultTolerance = Tolerance.parse(tolerance)!
        if let samples {
            guard let data = FileManager.default.contents(atPath: samples) else {
                throw NumberFile.Problem(description: "\(samples): cannot read the file; check the path and permissions.")
            }
            let file: SampleFile
            do {
                file = try JSONDecoder().decode(SampleFile.self, from: data)
            } catch {
                throw NumberFile.Problem(description: "\(samples): not a samples file: expected {\"metrics\": {NAME: {\"baseline\": [...], \"candidate\": [...]}}} (\(error)).")
            }
            var criteria: [MetricCriterion] = []
            var values: [String: MetricSamples] = [:]
            for name in file.metrics.keys.sorted() {
                let e = file.metrics[name]!
                criteria.append(MetricCriterion(name: name, kind: e.kind ?? defaultKind, worse: e.worse ?? defaultWorse,
                                                tolerance: e.tolerance ?? defaultTolerance, critical: e.critical ?? critical,
                                                weight: e.weight ?? 1))
                values[name] = MetricSamples(baseline: e.baseline, candidate: e.candidate)
            }
            return (criteria, values)
        }
        let name = metric ?? "metric"
        let criterion = MetricCriterion(name: name, kind: defaultKind, worse: defaultWorse, tolerance: defaultTolerance,
                                        critical: critical)
        return ([criterion], [name: MetricSamples(baseline: try NumberFile.read(baseline ?? ""),
                                                  candidate: try NumberFile.read(candidate ?? ""))])
    }

    static func describe(_ v: Verdict) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "-" }
        let rows = v.metrics.map { m in
            [m.metric, m.outcome.rawValue + (m.critical ? " (critical)" : ""), "\(m.baselineCount)/\(m.candidateCount)",
             f(m.estimate), "[\(f(m.ciLow)), \(f(m.ciHigh))]", m.tolerance, m.pValue.map { String(format: "%.3g", $0) } ?? "-"]
        }
        var out = Output.table(["METRIC", "OUTCOME", "N (B/C)", "ESTIMATE", "INTERVAL", "TOLERANCE", "P"], rows)
        out += "\n\n" + v.metrics.map { "- " + $0.explanation }.joined(separator: "\n")
        out += "\n\n\(v.judge) judge: \(v.decision.rawValue.uppercased()) (score \(String(format: "%.1f", v.score))). \(v.explanation)"
        return out
    }
}

extension JudgeChoice: ExpressibleByArgument {}
