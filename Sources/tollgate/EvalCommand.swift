import ArgumentParser
import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateEval
import TollgateStore
import TollgateTraffic

/// `tollgate eval`: eval suites run against two versions of a model and compared case by case.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run eval suites against baseline and candidate and compare their quality, paired by case.",
        subcommands: [EvalRun.self]
    )
}

/// `tollgate eval run SUITE --baseline URL --candidate URL`.
struct EvalRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send every case to both versions, score the answers and compare them.",
        discussion: """
        Every case of the suite goes to both versions (streamed, so latency scorers see TTFT); each \
        answer is scored by the suite's scorers and the weighted score decides pass/fail per case. The \
        comparison is paired: McNemar on pass/fail, Wilcoxon signed-rank on scores, the Newcombe \
        interval of the pass-rate difference against the suite's max_drop (non-inferiority), and a \
        per-tag breakdown with Holm correction. --repeat N runs everything N times and measures the \
        baseline against itself, so differences within its own noise are reported as such. \
        Compatibility checks compare JSON fields and types, tool calls and finish reasons, and probe \
        --max-input-tokens with growing inputs. Answers and scores are stored in the run history.

        Exit status: 0 when the candidate is non-inferior (or inconclusive without --strict), 6 when \
        it is worse or incompatible (also inconclusive with --strict), 2 for bad input, 1 when a \
        server or the database failed.
        """
    )

    @Argument(help: ArgumentHelp("The eval suite file (kind: evalsuite).", valueName: "SUITE"))
    var suite: String

    @Option(help: ArgumentHelp("Base URL of the baseline version, e.g. http://127.0.0.1:8001/v1.", valueName: "URL"))
    var baseline: String?

    @Option(help: ArgumentHelp("Base URL of the candidate version.", valueName: "URL"))
    var candidate: String?

    @Option(help: ArgumentHelp("Take both versions (endpoints, model ids, API key variables) and max_input_tokens from this pipeline; --baseline/--candidate override its endpoints.", valueName: "FILE"))
    var pipeline: String?

    @Option(name: .customLong("baseline-model"), help: "Model id sent to the baseline.")
    var baselineModel: String?

    @Option(name: .customLong("candidate-model"), help: "Model id sent to the candidate.")
    var candidateModel: String?

    @Option(name: .customLong("repeat"), help: "Run every case this many times on both versions (default: the suite's 'repeat').")
    var repeats: Int?

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 8

    @Option(name: .customLong("max-input-tokens"), help: "Probe that the candidate accepts inputs up to this many tokens.")
    var maxInputTokens: Int?

    @Option(help: "Confidence level of the intervals and tests.")
    var confidence: Double = 0.95

    @Flag(help: "Treat an inconclusive comparison as a failure (exit 6).")
    var strict = false

    @Flag(name: .customLong("no-store"), help: "Do not write the run to the history database.")
    var noStore = false

    @Flag(help: "Print the full comparison as JSON.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if pipeline == nil && (baseline == nil || candidate == nil) {
            throw ValidationError("Give --baseline URL and --candidate URL, or --pipeline FILE naming both versions.")
        }
        if let repeats, !(1...100).contains(repeats) { throw ValidationError("--repeat must be between 1 and 100.") }
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1.") }
        if !(0.5..<1).contains(confidence) { throw ValidationError("--confidence must be at least 0.5 and below 1, e.g. 0.95.") }
        if let maxInputTokens, maxInputTokens < 16 { throw ValidationError("--max-input-tokens must be at least 16.") }
    }

    func run() async throws {
        let evalSuite: EvalSuite
        var base: EvalTarget, cand: EvalTarget
        var limit = maxInputTokens
        do {
            evalSuite = try DocumentLoader.loadEvalSuite(at: suite)
            if let pipeline {
                let p = try DocumentLoader.loadPipeline(at: pipeline)
                base = try EvalTarget(p.model.baseline, api: evalSuite.api)
                cand = try EvalTarget(p.model.candidate, api: evalSuite.api)
                limit = limit ?? p.model.maxInputTokens
            } else {
                base = EvalTarget(version: "baseline", url: baseline!)
                cand = EvalTarget(version: "candidate", url: candidate!)
            }
        } catch let error as LoadError {
            throw error
        } catch {
            // The suite, the pipeline and the versions they name are all the user's.
            throw CommandFailure.badInput("\(error)")
        }
        if let baseline { base.endpoint.url = baseline }
        if let candidate { cand.endpoint.url = candidate }
        if let baselineModel { base.endpoint.model = baselineModel }
        if let candidateModel { cand.endpoint.model = candidateModel }
        let store = noStore ? nil : try database.open()
        let (suite, baseline, candidate) = (evalSuite, base, cand)
        let options = EvalOptions(repeats: repeats, concurrency: concurrency, confidence: confidence, maxInputTokens: limit)
        let result = try await ProcessHTTPClient.with(concurrency: concurrency) { client in
            try await EvalRunner(httpClient: client, store: store).run(suite: suite, baseline: baseline, candidate: candidate, options: options)
        }
        if json { try Output.printJSON(result) } else { print(EvalReportText.render(result)) }
        switch result.overall {
        case .pass: return
        case .marginal: if strict { throw TollgateExit.qualityFailed }
        case .fail: throw TollgateExit.qualityFailed
        }
    }
}

/// The human-readable report of an eval comparison.
enum EvalReportText {
    static func render(_ r: EvalComparison) -> String {
        let q = r.quality
        func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        func pp(_ v: Double) -> String { String(format: "%+.1fpp", v * 100) }
        var lines = [
            "Eval suite \(r.suite): \(r.baseline) → \(r.candidate), \(q.cases) cases × \(r.repetitions) repetition\(r.repetitions == 1 ? "" : "s")\(r.runID.map { " (run \($0))" } ?? "")",
            "",
            "Pass rate   baseline \(pct(q.baselinePassRate))   candidate \(pct(q.candidatePassRate))   difference \(pp(q.difference)) [\(pp(q.differenceLow)), \(pp(q.differenceHigh))] at \(Int(q.confidence * 100))%",
            "McNemar     \(q.onlyBaselinePassed) cases lost, \(q.onlyCandidatePassed) gained, p = \(String(format: "%.4g", q.mcnemarPValue))",
            "Wilcoxon    mean score difference \(String(format: "%+.3f", q.meanScoreDifference)), p = \(q.wilcoxonPValue.map { String(format: "%.4g", $0) } ?? "- (all scores equal)")",
        ]
        if let n = q.noise {
            lines.append("Noise       baseline vs itself: pass rate moves up to ±\(String(format: "%.1f", n.band * 100))pp, \(pct(n.discordantRate)) of cases flip\(q.withinNoise ? " — the difference is within this noise" : "")")
        }
        if !q.tags.isEmpty {
            lines.append("")
            lines.append(Output.table(["TAG", "CASES", "BASELINE", "CANDIDATE", "P (HOLM)", ""], q.tags.map {
                [$0.tag, String($0.cases), pct($0.baselinePassRate), pct($0.candidatePassRate),
                 String(format: "%.3g", $0.adjustedPValue), $0.significant ? "significant" : ""]
            }))
        }
        lines.append("")
        lines.append(Output.table(["COMPATIBILITY", "STATUS", "DETAIL"], r.compatibility.checks.map { [$0.name, $0.status.rawValue, $0.detail] }))
        for check in r.compatibility.checks where check.status == .fail {
            for problem in check.problems { lines.append("  \(check.name): \(problem)") }
        }
        lines.append("")
        lines.append("Quality: \(q.decision.rawValue.uppercased()). " + q.reasons.joined(separator: " "))
        lines.append("Overall: \(r.overall.rawValue.uppercased())")
        return lines.joined(separator: "\n")
    }
}
