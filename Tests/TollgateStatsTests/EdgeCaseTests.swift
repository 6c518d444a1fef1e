import Foundation
import Testing
@testable import TollgateStats

/// Bad and degenerate input: NaN and infinities are rejected with a clear error, empty samples
/// say how many values are needed, and identical samples give a definite answer, never NaN.
@Suite struct EdgeCaseTests {
    @Test func nonFiniteInputIsRejectedByEveryTwoSampleTest() {
        let good = [1.0, 2, 3, 4, 5]
        for bad in [[1.0, .nan, 3], [1.0, .infinity], [-.infinity, 2.0]] {
            #expect(throws: StatsError.nonFiniteInput(name: "The first sample")) { try MannWhitney.test(bad, good) }
            #expect(throws: StatsError.nonFiniteInput(name: "The second sample")) { try HodgesLehmann.shift(good, bad) }
            #expect(throws: StatsError.nonFiniteInput(name: "The first sample")) { try WelchT.test(bad, good) }
            #expect(throws: StatsError.nonFiniteInput(name: "The first sample")) { try KolmogorovSmirnov.test(bad, good) }
            #expect(throws: StatsError.self) { try WilcoxonSignedRank.test(bad, [1.0, 2, 3].prefix(bad.count).map { $0 }) }
            #expect(throws: StatsError.self) { try DriftDistance.wasserstein(good, bad) }
            #expect(throws: StatsError.self) { try Bootstrap.interval(baseline: good, candidate: bad, statistic: .mean) }
        }
    }

    @Test func emptySamplesSayWhatIsNeeded() {
        #expect(throws: StatsError.notEnoughData(name: "The first sample", needed: 1, got: 0)) { try MannWhitney.test([], [1.0]) }
        #expect(throws: StatsError.notEnoughData(name: "The second sample", needed: 2, got: 1)) { try WelchT.test([1.0, 2], [1.0]) }
        #expect(throws: StatsError.self) { try KolmogorovSmirnov.test([1.0], []) }
        let message = StatsError.notEnoughData(name: "The first sample", needed: 1, got: 0).description
        #expect(message == "The first sample needs at least 1 values, got 0.")
    }

    @Test func singleValuesStillGiveDefiniteAnswers() throws {
        let mw = try MannWhitney.test([5.0], [1.0, 2, 3])
        #expect(mw.pValue == 0.5) // exact: U = 3 of 3, P(U ≥ 3) = 1/4, two-sided 1/2
        let hl = try HodgesLehmann.shift([5.0], [1.0])
        #expect(hl.estimate == 4 && hl.ciLow == 4 && hl.ciHigh == 4)
        let ks = try KolmogorovSmirnov.test([1.0], [2.0])
        #expect(ks.statistic == 1 && ks.pValue == 1)
    }

    @Test func identicalSamplesShowNoDifference() throws {
        let same = [3.0, 3, 3, 3]
        let mw = try MannWhitney.test(same, same)
        #expect(mw.pValue == 1)
        let hl = try HodgesLehmann.shift(same, same)
        #expect(hl.estimate == 0 && hl.ciLow == 0 && hl.ciHigh == 0)
        #expect(try KolmogorovSmirnov.test(same, same).pValue == 1)
        #expect(throws: StatsError.self) { try WelchT.test(same, same) }
        #expect(throws: StatsError.self) { try WilcoxonSignedRank.test(same, same) }
        #expect(try DriftDistance.wasserstein(same, same).statistic == 0)
        let psi = try DriftDistance.psi(baseline: [1.0, 2, 3, 4, 5], current: [1.0, 2, 3, 4, 5])
        #expect(psi.statistic == 0)
        let boot = try Bootstrap.interval(baseline: same, candidate: same, statistic: .quantile(0.95))
        #expect(boot.ciLow == 0 && boot.ciHigh == 0)
    }

    @Test func invalidParametersAreExplained() {
        #expect(throws: StatsError.self) { try HodgesLehmann.shift([1.0], [2.0], confidence: 1.5) }
        #expect(throws: StatsError.self) { try BinomialTest.test(successes: 5, trials: 3) }
        #expect(throws: StatsError.lengthMismatch(first: 2, second: 3)) { try WilcoxonSignedRank.test([1.0, 2], [1.0, 2, 3]) }
        #expect(throws: StatsError.self) { try MultipleTesting.adjust([0.5, 1.2], method: .holm) }
        #expect(throws: StatsError.self) { try TwoByTwo(values: [1, 2, 3]) }
        #expect(throws: StatsError.self) { try Bootstrap.interval(baseline: [0, 0, 0], candidate: [1.0, 2], statistic: .mean, comparison: .ratio) }
    }

    @Test func resultsEncodeAsJSONWithoutNaN() throws {
        let fisher = try FisherExact.test(TwoByTwo(0, 0, 3, 4))
        let data = try JSONEncoder().encode(fisher)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"p_value\":1"))
        #expect(!text.lowercased().contains("nan"))
    }
}
