import Foundation
import Testing
@testable import TollgateStats

/// Group-sequential boundaries: the published Lan–DeMets table, the golden values of
/// scripts/golden/generate_group_sequential.py (an independent scipy computation) for regular and
/// irregular looks, and the error actually spent.
@Suite struct GroupSequentialTests {
    @Test func obrienFlemingMatchesThePublishedLanDeMetsTable() throws {
        // Lan–DeMets O'Brien–Fleming-type spending, K = 5 equally spaced looks, one-sided 0.025.
        let published = [4.877, 3.357, 2.680, 2.290, 2.031]
        let b = try GroupSequential.upperBoundaries(fractions: [0.2, 0.4, 0.6, 0.8, 1], spending: .obrienFleming, total: 0.025)
        for (x, y) in zip(b, published) { #expect(abs(x - y) < 1e-3, "\(b)") }
    }

    @Test func pocockTwentyLooksRunsFrom264To222() throws {
        let b = try GroupSequential.upperBoundaries(fractions: (1...20).map { Double($0) / 20 }, spending: .pocock, total: 0.05)
        #expect(abs(b[0] - 2.64) < 0.005 && abs(b[19] - 2.22) < 0.01, "\(b)")
        #expect(zip(b, b.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func boundariesMatchTheScipyReference() throws {
        let doc = try Fixture.document("group_sequential")
        let cases = try Fixture.cases("group_sequential")
        let tolerance = doc.double("tolerance")
        for c in cases {
            let name = c.string("spending")
            let spending: SpendingFunction = name == "pocock" ? .pocock : name == "obrien-fleming" ? .obrienFleming
                : .power(Double(name.dropFirst(6).dropLast())!)
            let fractions = c.doubles("fractions")
            let b = try GroupSequential.upperBoundaries(fractions: fractions, spending: spending, total: c.double("alpha"))
            for (x, y) in zip(b, c.doubles("boundaries")) {
                #expect(abs(x - y) < tolerance, "\(name) α \(c.double("alpha")) at \(fractions): \(b) vs \(c.doubles("boundaries"))")
            }
            // The error spent under the null is the total; the power at the reference drift matches.
            let null = try GroupSequential.crossingProbabilities(fractions: fractions, upper: b)
            #expect(abs(null.reduce(0, +) - c.double("null_total")) < 1e-4)
            let power = try GroupSequential.crossingProbabilities(fractions: fractions, upper: b, drift: c.double("drift"))
            for (x, y) in zip(power, c.doubles("crossing")) { #expect(abs(x - y) < tolerance) }
        }
    }

    @Test func nullCrossingsSpendExactlyTheSpendingFunction() throws {
        let fractions = [0.07, 0.15, 0.4, 0.41, 0.77, 1]
        for spending in [SpendingFunction.pocock, .obrienFleming, .power(2)] {
            let b = try GroupSequential.upperBoundaries(fractions: fractions, spending: spending, total: 0.05)
            let spent = try GroupSequential.crossingProbabilities(fractions: fractions, upper: b)
            var cumulative = 0.0
            for (k, p) in spent.enumerated() {
                cumulative += p
                #expect(abs(cumulative - spending.spent(0.05, at: fractions[k])) < 2e-6, "\(spending) look \(k)")
            }
        }
    }

    @Test func spendingFunctionsStartAtZeroAndEndAtTheTotal() {
        for f in [SpendingFunction.pocock, .obrienFleming, .power(1), .power(3)] {
            #expect(f.spent(0.05, at: 0) == 0)
            #expect(abs(f.spent(0.05, at: 1) - 0.05) < 1e-12)
            #expect(f.spent(0.05, at: 0.3) < f.spent(0.05, at: 0.6))
        }
        #expect(abs(SpendingFunction.pocock.spent(0.05, at: 0.5) - 0.05 * log(1 + (exp(1) - 1) / 2)) < 1e-15)
    }

    @Test func badFractionsAreRejected() {
        #expect(throws: StatsError.self) { try GroupSequential.upperBoundaries(fractions: [0.5, 0.4], spending: .pocock, total: 0.05) }
        #expect(throws: StatsError.self) { try GroupSequential.upperBoundaries(fractions: [0.5, 1.2], spending: .pocock, total: 0.05) }
        #expect(throws: StatsError.self) { try GroupSequential.upperBoundaries(fractions: [], spending: .pocock, total: 0.05) }
        #expect(throws: StatsError.self) { try GroupSequential.upperBoundaries(fractions: [1], spending: .pocock, total: 0.7) }
    }

    @Test func mixingScaleIsNarrowestAtTheHorizon() {
        // The half-width at variance V with τ tuned to V is below that with τ tuned to V/10 or 10·V.
        let v = 0.0005
        let tuned = ConfidenceSequence.mixingSD(varianceAtHorizon: v, confidence: 0.95)
        let at = { (tau: Double) in ConfidenceSequence.halfWidth(variance: v, mixingSD: tau, confidence: 0.95) }
        #expect(at(tuned) < at(tuned * 3) && at(tuned) < at(tuned / 3))
    }
}
