import ArgumentParser
import Foundation
import TollgateStats

/// `tollgate stats TEST --a FILE --b FILE`: runs one statistical test on two samples.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Run one statistical test on two samples and print its statistic, p-value and interval.",
        discussion: """
        Input files hold one number per line (blank lines and # comments ignored) or a JSON array.
        --a is the first sample (the candidate when comparing versions), --b the second (the baseline);
        estimates are a − b (or a / b for ratios), `greater` means a tends to be larger.
        Tests: mannwhitney, hodges-lehmann, bootstrap-quantile (--quantile), bootstrap-mean, welch, ks,
        chi2 and fisher (--table a,b,c,d, or --a and --b each holding one row of two counts),
        proportions (--a and --b hold 0/1 outcomes), mcnemar and wilcoxon (paired: line i of --a and
        --b belong together), psi, jensen-shannon (--b against the baseline --a, over --bins quantile
        bins of --a), wasserstein. The JSON fields are documented in docs/statistics.md.
        Exit status: 0 on success, 2 on invalid input.
        """
    )

    enum TestName: String, ExpressibleByArgument, CaseIterable {
        case mannwhitney, hodgesLehmann = "hodges-lehmann", bootstrapQuantile = "bootstrap-quantile"
        case bootstrapMean = "bootstrap-mean", welch, ks, chi2, fisher, proportions, mcnemar, wilcoxon, psi
        case jensenShannon = "jensen-shannon", wasserstein
    }

    @Argument(help: ArgumentHelp("The test to run.", valueName: "TEST"))
    var test: TestName

    @Option(help: ArgumentHelp("File of the first sample (the candidate).", valueName: "FILE"))
    var a: String?

    @Option(help: ArgumentHelp("File of the second sample (the baseline).", valueName: "FILE"))
    var b: String?

    @Option(help: ArgumentHelp("A 2×2 table for chi2 and fisher: four counts `a,b,c,d` (rows a b / c d).", valueName: "COUNTS"))
    var table: String?

    @Flag(help: "Treat --a and --b as paired (line i of each belongs together): mannwhitney becomes the Wilcoxon signed-rank test.")
    var paired = false

    @Option(help: "two-sided, greater (a tends to be larger) or less.")
    var alternative: Alternative = .twoSided

    @Option(help: "Confidence level of intervals, between 0 and 1.")
    var confidence: Double = 0.95

    @Option(help: "Seed of the bootstrap; the same seed and data give the same interval.")
    var seed: UInt64 = 1

    @Option(help: "Quantile for bootstrap-quantile, between 0 and 1 (0.95 for p95).")
    var quantile: Double = 0.95

    @Option(help: "Bootstrap comparison: difference (a − b) or ratio (a / b).")
    var comparison: Bootstrap.Comparison = .difference

    @Option(help: "Bootstrap interval.")
    var interval: Bootstrap.IntervalMethod = .bca

    @Option(help: "Number of bootstrap resamples.")
    var resamples: Int = 2000

    @Option(help: "Number of quantile bins of the baseline for psi and jensen-shannon.")
    var bins: Int = 10

    @Flag(help: "mcnemar: use the chi-square statistic with continuity correction instead of the exact binomial test.")
    var asymptotic = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if test == .chi2 || test == .fisher {
            if table == nil && (a == nil || b == nil) {
                throw ValidationError("\(test.rawValue) needs --table a,b,c,d, or --a and --b each holding one row of two counts.")
            }
        } else if a == nil || b == nil {
            throw ValidationError("\(test.rawValue) needs both --a FILE and --b FILE.")
        }
        if paired && ![.mannwhitney, .wilcoxon, .mcnemar].contains(test) {
            throw ValidationError("\(test.rawValue) has no paired variant; drop --paired, or use wilcoxon or mcnemar.")
        }
    }

    func run() throws {
        let result = try compute()
        if json {
            try Output.printJSON(result)
        } else {
            print(Self.describe(result))
        }
    }

    func compute() throws -> TestResult {
        let alt = alternative
        if test == .chi2 { return try ChiSquare.test(try readTable()) }
        if test == .fisher { return try FisherExact.test(try readTable(), alternative: alt) }
        let x = try NumberFile.read(a ?? ""), y = try NumberFile.read(b ?? "")
        switch test {
        case .mannwhitney:
            return paired ? try WilcoxonSignedRank.test(x, y, alternative: alt) : try MannWhitney.test(x, y, alternative: alt)
        case .hodgesLehmann: return try HodgesLehmann.shift(x, y, confidence: confidence)
        case .bootstrapQuantile, .bootstrapMean:
            return try Bootstrap.interval(baseline: y, candidate: x,
                                          statistic: test == .bootstrapMean ? .mean : .quantile(quantile),
                                          comparison: comparison, confidence: confidence,
                                          resamples: resamples, seed: seed, method: interval)
        case .welch: return try WelchT.test(x, y, alternative: alt, confidence: confidence)
        case .ks: return try KolmogorovSmirnov.test(x, y, alternative: alt)
        case .proportions:
            return try ProportionDifference.test(x.filter { $0 != 0 }.count, x.count, y.filter { $0 != 0 }.count, y.count,
                                                 alternative: alt, confidence: confidence)
        case .mcnemar:
            return try McNemar.test(first: x.map { $0 != 0 }, second: y.map { $0 != 0 }, exact: !asymptotic)
        case .wilcoxon: return try WilcoxonSignedRank.test(x, y, alternative: alt)
        case .psi: return try DriftDistance.psi(baseline: x, current: y, bins: bins)
        case .jensenShannon: return try DriftDistance.jensenShannon(baseline: x, current: y, bins: bins)
        case .wasserstein, .chi2, .fisher: return try DriftDistance.wasserstein(x, y)
        }
    }

    func readTable() throws -> TwoByTwo {
        if let table {
            let parts = table.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 4, parts.allSatisfy({ $0 != nil }) else {
                throw StatsError.invalidParameter("--table needs four comma-separated counts like 12,88,20,80, got '\(table)'.")
            }
            return try TwoByTwo(values: parts.map { $0! })
        }
        let first = try NumberFile.read(a!), second = try NumberFile.read(b!)
        guard first.count == 2, second.count == 2 else {
            throw StatsError.invalidParameter("For a 2×2 table --a and --b must each hold exactly two counts (one row), got \(first.count) and \(second.count).")
        }
        return try TwoByTwo(values: first + second)
    }

    static func describe(_ r: TestResult) -> String {
        var lines = ["method: \(r.method)", "statistic: \(r.statistic)"]
        if let p = r.pValue { lines.append("p-value: \(p)") }
        if let alt = r.alternative { lines.append("alternative: \(alt.rawValue)") }
        if let e = r.estimate { lines.append("estimate: \(e)") }
        if r.ciLow != nil || r.ciHigh != nil {
            let level = r.confidence.map { "\(Int(($0 * 100).rounded()))% " } ?? ""
            lines.append("\(level)interval: [\(r.ciLow.map { "\($0)" } ?? "-inf"), \(r.ciHigh.map { "\($0)" } ?? "inf")]")
        }
        for key in r.details.keys.sorted() { lines.append("\(key): \(r.details[key]!)") }
        return lines.joined(separator: "\n")
    }
}
