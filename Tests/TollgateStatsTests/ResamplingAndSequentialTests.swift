import Foundation
import Testing
@testable import TollgateStats

/// Bootstrap intervals and confidence sequences: determinism, coverage and validity under
/// repeated looks (simulated with a fixed seed, so the outcomes are reproducible).
@Suite struct ResamplingAndSequentialTests {
    static func lognormal(_ n: Int, median: Double, sigma: Double, generator: inout SeededGenerator) -> [Double] {
        (0..<n).map { _ in median * exp(sigma * generator.nextGaussian()) }
    }

    @Test func bootstrapIsDeterministicForASeedAndVariesAcrossSeeds() throws {
        var g = SeededGenerator(seed: 7)
        let a = Self.lognormal(300, median: 200, sigma: 0.5, generator: &g)
        let b = Self.lognormal(300, median: 220, sigma: 0.5, generator: &g)
        let one = try Bootstrap.interval(baseline: a, candidate: b, statistic: .quantile(0.95), seed: 11)
        let two = try Bootstrap.interval(baseline: a, candidate: b, statistic: .quantile(0.95), seed: 11)
        let other = try Bootstrap.interval(baseline: a, candidate: b, statistic: .quantile(0.95), seed: 12)
        #expect(one == two)
        #expect(one.ciLow != other.ciLow)
        #expect(one.ciLow! < one.estimate! && one.estimate! < one.ciHigh!)
    }

    @Test func bootstrapIntervalsAgreeWithScipyBootstrapOnTheSameData() throws {
        // scipy.stats.bootstrap((b, a), lambda b, a, axis: np.percentile(b, 95, axis=axis) - np.percentile(a, 95, axis=axis),
        //   method='BCa', n_resamples=20000, random_state=1) on these data gives [37.31, 57.45] (percentile
        //   [37.0, 57.2]); Monte Carlo error allows a couple of units.
        let a = (1...200).map { Double($0) }
        let b = (1...200).map { Double($0) * 1.25 }
        let bca = try Bootstrap.interval(baseline: a, candidate: b, statistic: .quantile(0.95), resamples: 20000, seed: 3)
        #expect(abs(bca.estimate! - 47.5125) < 1e-9)
        #expect(abs(bca.ciLow! - 37.31) < 2 && abs(bca.ciHigh! - 57.45) < 2, "\(bca)")
        let ratio = try Bootstrap.interval(baseline: a, candidate: b, statistic: .mean, comparison: .ratio, method: .percentile)
        #expect(abs(ratio.estimate! - 1.25) < 1e-12)
        #expect(ratio.ciLow! < 1.25 && ratio.ciHigh! > 1.25)
    }

    @Test func bootstrapPercentileIntervalCoversTheTrueMeanDifference() throws {
        var g = SeededGenerator(seed: 99)
        var covered = 0
        let runs = 100
        for run in 0..<runs {
            let a = (0..<60).map { _ in g.nextGaussian() }
            let b = (0..<60).map { _ in 0.5 + g.nextGaussian() }
            let r = try Bootstrap.interval(baseline: a, candidate: b, statistic: .mean, confidence: 0.9,
                                           resamples: 400, seed: UInt64(run), method: .percentile)
            if r.ciLow! <= 0.5 && 0.5 <= r.ciHigh! { covered += 1 }
        }
        #expect(covered >= 80 && covered <= 98, "coverage \(covered)/\(runs)")
    }

    @Test func confidenceSequenceStaysValidUnderTwentyLooks() throws {
        var g = SeededGenerator(seed: 2024)
        var excluded = 0
        let runs = 200
        for _ in 0..<runs {
            var a: [Double] = [], b: [Double] = []
            for _ in 0..<20 {
                a += Self.lognormal(50, median: 300, sigma: 0.6, generator: &g)
                b += Self.lognormal(50, median: 300, sigma: 0.6, generator: &g)
                let cs = try ConfidenceSequence.logMeanDifference(baseline: a, candidate: b, confidence: 0.95)
                if cs.ciLow! > 0 || cs.ciHigh! < 0 { excluded += 1; break }
            }
        }
        // Nominal 5%; the normal mixture is conservative, so well under it.
        #expect(Double(excluded) / Double(runs) <= 0.06, "false exclusions \(excluded)/\(runs)")
    }

    @Test func confidenceSequenceDetectsARealShift() throws {
        var g = SeededGenerator(seed: 5)
        let a = Self.lognormal(2000, median: 300, sigma: 0.5, generator: &g)
        let b = Self.lognormal(2000, median: 360, sigma: 0.5, generator: &g)
        let cs = try ConfidenceSequence.logMeanDifference(baseline: a, candidate: b)
        #expect(cs.ciLow! > 0 && cs.pValue! < 0.05)
        let rates = try ConfidenceSequence.proportionDifference(baselineEvents: 10, baselineTrials: 2000,
                                                                candidateEvents: 80, candidateTrials: 2000)
        #expect(rates.ciLow! > 0)
        let none = try ConfidenceSequence.proportionDifference(baselineEvents: 0, baselineTrials: 100,
                                                               candidateEvents: 0, candidateTrials: 100)
        #expect(none.ciLow! < 0 && none.ciHigh! > 0)
    }

    @Test func seededGeneratorRepeats() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let xs = (0..<5).map { _ in a.next() }, ys = (0..<5).map { _ in b.next() }
        #expect(xs == ys)
        var c = SeededGenerator(seed: 43)
        #expect(c.next() != xs[0])
        for _ in 0..<1000 { let i = a.nextIndex(7); #expect(i >= 0 && i < 7) }
    }
}

/// Bootstrap intervals against a Python transcription that replays the same random stream
/// (scripts/golden/generate_stats.py, BCa as in scipy.stats.bootstrap).
@Suite struct GoldenBootstrapTests {
    @Test func bootstrapMatchesTheReplayedReference() throws {
        for c in try Fixture.cases("bootstrap") {
            let statistic: Bootstrap.Statistic = c["statistic"] is String ? .mean : .quantile(c.double("statistic"))
            let result = try Bootstrap.interval(
                baseline: c.doubles("baseline"), candidate: c.doubles("candidate"), statistic: statistic,
                comparison: try #require(Bootstrap.Comparison(rawValue: c.string("comparison"))),
                confidence: c.double("confidence"), resamples: c.int("resamples"), seed: UInt64(c.int("seed")),
                method: try #require(Bootstrap.IntervalMethod(rawValue: c.string("method"))))
            let label = c.string("name")
            #expect(close(result.estimate, c.double("estimate"), rel: 1e-12, abs: 1e-12), "\(label) estimate")
            #expect(close(result.ciLow, c.double("ci_low"), rel: 1e-9, abs: 1e-12), "\(label) low \(result.ciLow ?? .nan) vs \(c.double("ci_low"))")
            #expect(close(result.ciHigh, c.double("ci_high"), rel: 1e-9, abs: 1e-12), "\(label) high \(result.ciHigh ?? .nan) vs \(c.double("ci_high"))")
        }
    }
}
