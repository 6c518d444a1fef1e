import Foundation
import Testing
@testable import TollgateStats

/// Mann–Whitney, Hodges–Lehmann and Welch against scipy golden fixtures.
@Suite struct GoldenLocationTests {
    @Test func mannWhitneyMatchesScipy() throws {
        for c in try Fixture.cases("mannwhitney") {
            for r in c.dicts("results") {
                let alt = try #require(Alternative(rawValue: r.string("alternative")))
                let result = try MannWhitney.test(c.doubles("x"), c.doubles("y"), alternative: alt)
                let label = "\(c.string("name"))/\(alt.rawValue)"
                expectClose(result.statistic, r.double("statistic"), rel: 1e-12, "\(label) U")
                expectClose(result.pValue, r.double("p_value"), rel: c.double("tol"), "\(label) p")
            }
        }
    }

    @Test func hodgesLehmannMatchesPairwiseDifferenceReference() throws {
        for c in try Fixture.cases("hodges_lehmann") {
            let result = try HodgesLehmann.shift(c.doubles("x"), c.doubles("y"), confidence: c.double("confidence"))
            let label = c.string("name")
            expectClose(result.estimate, c.double("estimate"), rel: 1e-12, "\(label) estimate")
            expectClose(result.ciLow, c.double("ci_low"), rel: 1e-12, "\(label) low")
            expectClose(result.ciHigh, c.double("ci_high"), rel: 1e-12, "\(label) high")
            #expect(result.method.hasSuffix(c.string("method")), "\(label) method \(result.method)")
        }
    }

    @Test func welchMatchesScipy() throws {
        for c in try Fixture.cases("welch") {
            for r in c.dicts("results") {
                let alt = try #require(Alternative(rawValue: r.string("alternative")))
                let result = try WelchT.test(c.doubles("x"), c.doubles("y"), alternative: alt)
                let label = "\(c.string("name"))/\(alt.rawValue)"
                expectClose(result.statistic, r.double("statistic"), rel: 1e-10, "\(label) t")
                expectClose(result.pValue, r.double("p_value"), rel: 1e-9, "\(label) p")
                expectClose(result.details["df"], r.double("df"), rel: 1e-10, "\(label) df")
                if r["ci_low"] != nil {
                    expectClose(result.ciLow, r.double("ci_low"), rel: 1e-9, "\(label) low")
                    expectClose(result.ciHigh, r.double("ci_high"), rel: 1e-9, "\(label) high")
                }
            }
        }
    }
}
