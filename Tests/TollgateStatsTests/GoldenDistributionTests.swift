import Foundation
import Testing
@testable import TollgateStats

/// Kolmogorov–Smirnov, drift distances and special functions against scipy golden fixtures.
@Suite struct GoldenDistributionTests {
    @Test func kolmogorovSmirnovMatchesScipy() throws {
        for c in try Fixture.cases("ks") {
            for r in c.dicts("results") {
                let alt = try #require(Alternative(rawValue: r.string("alternative")))
                let result = try KolmogorovSmirnov.test(c.doubles("x"), c.doubles("y"), alternative: alt)
                let label = "\(c.string("name"))/\(alt.rawValue)"
                expectClose(result.statistic, r.double("statistic"), rel: 1e-12, "\(label) D")
                // Exact p-values are 1 − P(inside); both sides lose relative precision below ~1e-7.
                #expect(close(result.pValue, r.double("p_value"), rel: r.double("tol"), abs: 1e-13),
                        "\(label) p: got \(result.pValue ?? .nan), expected \(r.double("p_value"))")
            }
        }
    }

    @Test func driftDistancesMatchScipy() throws {
        for c in try Fixture.cases("drift") {
            let label = c.string("name")
            let psi = try DriftDistance.psi(baseline: c.doubles("baseline"), current: c.doubles("current"))
            expectClose(psi.statistic, c.double("psi"), rel: 1e-9, "\(label) psi")
            let js = try DriftDistance.jensenShannon(baseline: c.doubles("baseline"), current: c.doubles("current"))
            expectClose(js.statistic, c.double("jensen_shannon"), rel: 1e-9, "\(label) js")
            let w = try DriftDistance.wasserstein(c.doubles("baseline"), c.doubles("current"))
            expectClose(w.statistic, c.double("wasserstein"), rel: 1e-9, "\(label) wasserstein")
        }
        for c in try Fixture.cases("jensen_shannon_vectors") {
            let value = try DriftDistance.jensenShannon(c.doubles("p"), c.doubles("q"))
            #expect(close(value, c.double("jensen_shannon"), rel: 1e-9, abs: 1e-12), "\(c.string("name")): \(value)")
        }
    }

    @Test func specialFunctionsMatchScipy() throws {
        let doc = try Fixture.document("special")
        for c in doc["normal_quantile"] as? [[String: Any]] ?? [] {
            expectClose(NormalDistribution.quantile(c.double("x")), c.double("value"), rel: 1e-13, "ndtri(\(c.double("x")))")
        }
        for c in doc["normal_cdf"] as? [[String: Any]] ?? [] {
            expectClose(NormalDistribution.cdf(c.double("x")), c.double("value"), rel: 1e-13, "ndtr(\(c.double("x")))")
        }
        for c in doc["t_sf"] as? [[String: Any]] ?? [] {
            expectClose(BetaFunctions.studentTSF(c.double("x"), df: c.double("df")), c.double("value"), rel: 1e-11, "t.sf")
        }
        for c in doc["chi2_sf"] as? [[String: Any]] ?? [] {
            expectClose(GammaFunctions.chiSquareSF(c.double("x"), df: c.double("df")), c.double("value"), rel: 1e-11, "chi2.sf")
        }
        for c in doc["kolmogorov_two_sided_sf"] as? [[String: Any]] ?? [] {
            expectClose(Kolmogorov.twoSidedSF(n: c.int("n"), c.double("x")), c.double("value"), rel: 1e-6,
                        "kstwo.sf(\(c.double("x")), \(c.int("n")))")
        }
    }
}
