import Foundation
import Testing
@testable import TollgateStats

/// Tests on counts (chi-square, Fisher, proportions, binomial, McNemar), Wilcoxon signed-rank and
/// multiple-testing corrections against scipy golden fixtures.
@Suite struct GoldenCountTests {
    @Test func chiSquareMatchesScipy() throws {
        for c in try Fixture.cases("chi2") {
            let t = c.doubles("table")
            let correction = (c["correction"] as? Bool) ?? true
            let table = try TwoByTwo(values: t)
            let expectedP = c.double("p_value")
            if (table.a + table.b) * (table.c + table.d) * (table.a + table.c) * (table.b + table.d) == 0 { continue }
            let result = try ChiSquare.test(table, correction: correction)
            expectClose(result.statistic, c.double("statistic"), rel: 1e-9, "\(c.string("name")) chi2")
            #expect(close(result.pValue, expectedP, rel: 1e-9, abs: 1e-15), "\(c.string("name")) p \(result.pValue ?? .nan) vs \(expectedP)")
        }
    }

    @Test func fisherMatchesScipy() throws {
        for c in try Fixture.cases("fisher") {
            let alt = try #require(Alternative(rawValue: c.string("alternative")))
            let result = try FisherExact.test(try TwoByTwo(values: c.doubles("table")), alternative: alt)
            expectClose(result.pValue, c.double("p_value"), rel: 1e-9, "\(c.string("name")) p")
            let odds = c.double("statistic")
            if odds.isFinite { expectClose(result.statistic, odds, rel: 1e-12, "\(c.string("name")) odds") }
        }
    }

    @Test func proportionDifferenceMatchesNewcombeReference() throws {
        for c in try Fixture.cases("proportions") {
            let result = try ProportionDifference.test(c.int("x1"), c.int("n1"), c.int("x2"), c.int("n2"))
            let label = c.string("name")
            #expect(close(result.estimate, c.double("estimate"), rel: 1e-12, abs: 1e-15), "\(label) estimate")
            #expect(close(result.ciLow, c.double("ci_low"), rel: 1e-9, abs: 1e-15), "\(label) low \(result.ciLow ?? .nan)")
            #expect(close(result.ciHigh, c.double("ci_high"), rel: 1e-9, abs: 1e-15), "\(label) high \(result.ciHigh ?? .nan)")
            expectClose(result.pValue, c.double("p_value"), rel: 1e-9, "\(label) p")
        }
    }

    @Test func binomialMatchesScipy() throws {
        for c in try Fixture.cases("binomial") {
            let alt = try #require(Alternative(rawValue: c.string("alternative")))
            let result = try BinomialTest.test(successes: c.int("k"), trials: c.int("n"), probability: c.double("p"), alternative: alt)
            let label = c.string("name")
            expectClose(result.pValue, c.double("p_value"), rel: 1e-9, "\(label) p")
            #expect(close(result.ciLow, c.double("ci_low"), rel: 1e-9, abs: 1e-14), "\(label) low \(result.ciLow ?? .nan) vs \(c.double("ci_low"))")
            #expect(close(result.ciHigh, c.double("ci_high"), rel: 1e-9, abs: 1e-14), "\(label) high \(result.ciHigh ?? .nan) vs \(c.double("ci_high"))")
        }
    }

    @Test func mcnemarMatchesBinomialAndChiSquareReference() throws {
        for c in try Fixture.cases("mcnemar") {
            let exact = try McNemar.test(b: c.int("b"), c: c.int("c"), exact: true)
            let chi = try McNemar.test(b: c.int("b"), c: c.int("c"), exact: false)
            expectClose(exact.statistic, c.double("exact_statistic"), rel: 0, "\(c.string("name")) exact statistic")
            expectClose(exact.pValue, c.double("exact_p_value"), rel: 1e-9, "\(c.string("name")) exact p")
            expectClose(chi.statistic, c.double("chi2_statistic"), rel: 1e-12, "\(c.string("name")) chi2")
            expectClose(chi.pValue, c.double("chi2_p_value"), rel: 1e-9, "\(c.string("name")) chi2 p")
        }
    }

    @Test func wilcoxonMatchesScipy() throws {
        for c in try Fixture.cases("wilcoxon") {
            let alt = try #require(Alternative(rawValue: c.string("alternative")))
            let result = try WilcoxonSignedRank.test(differences: c.doubles("d"), alternative: alt)
            let label = c.string("name")
            expectClose(result.statistic, c.double("statistic"), rel: 1e-12, "\(label) W")
            #expect(close(result.pValue, c.double("p_value"), rel: c.double("tol"), abs: 1e-14),
                    "\(label) p \(result.pValue ?? .nan) vs \(c.double("p_value")) (\(result.method))")
        }
    }

    @Test func multipleTestingMatchesScipy() throws {
        for c in try Fixture.cases("multiple_testing") {
            let holm = try MultipleTesting.adjust(c.doubles("p"), method: .holm)
            let bh = try MultipleTesting.adjust(c.doubles("p"), method: .benjaminiHochberg)
            for (a, e) in zip(holm, c.doubles("holm")) { expectClose(a, e, rel: 1e-12, "\(c.string("name")) holm") }
            for (a, e) in zip(bh, c.doubles("bh")) { expectClose(a, e, rel: 1e-12, "\(c.string("name")) bh") }
        }
    }
}
