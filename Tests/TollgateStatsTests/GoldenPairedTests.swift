import Foundation
import Testing
@testable import TollgateStats

/// The paired pass-rate interval and the kernel two-sample test against the fixtures of
/// scripts/golden/generate_paired.py (scipy's Wilson limits and distances).
@Suite struct GoldenPairedTests {
    @Test func newcombePairedIntervalMatchesScipysWilsonLimitsCombined() throws {
        for c in try Fixture.cases("paired_proportion") {
            let ci = PairedProportionInterval.newcombe(bothPass: c.int("a"), onlyBaseline: c.int("b"), onlyCandidate: c.int("c"),
                                                       neither: c.int("d"), confidence: c.double("confidence"))
            let label = c.string("name")
            #expect(close(ci.estimate, c.double("estimate"), rel: 1e-12, abs: 1e-15), "\(label) estimate \(ci.estimate)")
            #expect(close(ci.low, c.double("low"), rel: 1e-9, abs: 1e-12), "\(label) low \(ci.low) vs \(c.double("low"))")
            #expect(close(ci.high, c.double("high"), rel: 1e-9, abs: 1e-12), "\(label) high \(ci.high) vs \(c.double("high"))")
        }
    }

    @Test func mmdStatisticAndBandwidthMatchNumpyAndPermutationPValuesApproachTheExactOnes() throws {
        var exact = 0
        for c in try Fixture.cases("mmd") {
            let x = try #require(c["x"] as? [[NSNumber]]).map { $0.map(\.doubleValue) }
            let y = try #require(c["y"] as? [[NSNumber]]).map { $0.map(\.doubleValue) }
            let label = c.string("name")
            let result = try MaximumMeanDiscrepancy.test(x, y, permutations: 4_000, seed: 7, maxPerSample: 1_000)
            expectClose(result.mmd2, c.double("mmd2"), rel: 1e-9, "\(label) mmd2")
            expectClose(result.bandwidth, c.double("bandwidth"), rel: 1e-12, "\(label) bandwidth")
            if c["exact_p_value"] != nil {
                // Monte Carlo with 4000 relabellings: standard error at most 0.008.
                #expect(abs(result.pValue - c.double("exact_p_value")) < 0.035, "\(label) p \(result.pValue) vs exact \(c.double("exact_p_value"))")
                exact += 1
            }
        }
        #expect(exact >= 5)
    }

    @Test func mmdNeedsTwoVectorsOnEachSide() {
        #expect(throws: StatsError.notEnoughData(name: "the embedding test", needed: 2, got: 1)) {
            try MaximumMeanDiscrepancy.test([[0]], [[1], [2]])
        }
    }
}
