import Foundation
import Testing
@testable import TollgateStats

/// Binned comparisons of histogram increases (Prometheus metric sources) against scipy
/// (fixtures from scripts/golden/generate_binned.py).
@Suite("Golden: binned comparisons")
struct GoldenBinnedTests {
    static func ints(_ c: [String: Any], _ key: String) -> [Int] { (c[key] as? [NSNumber])?.map(\.intValue) ?? [] }

    @Test func binnedMannWhitneyMatchesScipyOnExpandedObservations() throws {
        for c in try Fixture.cases("binned_mannwhitney") {
            for r in c.dicts("results") {
                let alt = try #require(Alternative(rawValue: r.string("alternative")))
                let result = try BinnedMannWhitney.test(BinnedCounts(Self.ints(c, "x")), BinnedCounts(Self.ints(c, "y")), alternative: alt)
                let label = "\(c.string("name"))/\(alt.rawValue)"
                // scipy reports U₁ for every alternative, as Tollgate does.
                expectClose(result.statistic, r.double("statistic"), rel: 1e-12, "\(label) U")
                expectClose(result.pValue, r.double("p_value"), rel: c.double("tol"), "\(label) p")
            }
        }
    }

    @Test func binnedMannWhitneyAgreesWithTheRankTestOnExpandedValues() throws {
        let x = BinnedCounts([0, 3, 5, 0, 2]), y = BinnedCounts([1, 1, 2, 6, 0])
        func expand(_ b: BinnedCounts) -> [Double] { b.counts.enumerated().flatMap { Array(repeating: Double($0.offset), count: $0.element) } }
        for alt in Alternative.allCases {
            let binned = try BinnedMannWhitney.test(x, y, alternative: alt)
            let ranks = try MannWhitney.test(expand(x), expand(y), alternative: alt, method: .asymptotic)
            #expect(binned.statistic == ranks.statistic)
            expectClose(binned.pValue, ranks.pValue!, rel: 1e-12, "\(alt)")
        }
    }

    @Test func proportionTestOnCounterIncreasesMatchesScipy() throws {
        for c in try Fixture.cases("binned_proportions") {
            for r in c.dicts("results") {
                let alt = try #require(Alternative(rawValue: r.string("alternative")))
                let result = try ProportionDifference.test(c.int("x1"), c.int("n1"), c.int("x2"), c.int("n2"), alternative: alt)
                let label = "\(c.string("name"))/\(alt.rawValue)"
                expectClose(result.statistic, c.double("statistic"), rel: 1e-12, "\(label) z")
                #expect(close(result.pValue, r.double("p_value"), rel: c.double("tol"), abs: 1e-14), "\(label) p \(result.pValue ?? .nan)")
            }
        }
    }

    @Test func weightedGapHistogramsMatchScipyOnTheirLogMidpoints() throws {
        for c in try Fixture.cases("binned_weighted_gaps") {
            let name = c.string("name")
            let logMid = c.doubles("log_midpoints")
            var arms: [[Double]] = []
            for arm in ["baseline", "candidate"] {
                // The weight (min(requests, gaps / K), computed by the script) apportioned as scipy's side did it.
                let weighted = BinnedCounts(Self.ints(c, "\(arm)_gaps")).apportioned(to: c.int("\(arm)_weight"))
                #expect(weighted.counts == Self.ints(c, "\(arm)_weighted"), "\(name) \(arm)")
                arms.append(zip(logMid, weighted.counts).flatMap { Array(repeating: $0.0, count: $0.1) })
            }
            let welch = try WelchT.test(arms[1], arms[0], alternative: .greater)
            expectClose(welch.statistic, c.double("welch_statistic"), rel: c.double("tol"), "\(name) t")
        }
    }

    @Test func countsApportionedToARequestCountKeepTheirShapeAndAddUpExactly() {
        // Exact shares stay exact: 1000 gaps of 50 requests.
        #expect(BinnedCounts([400, 500, 100]).apportioned(to: 50) == BinnedCounts([20, 25, 5]))
        // Largest remainders get the rest, the lower bin first on a tie: 10 → 5 gives 0.5, 0, 3.5, 1.
        #expect(BinnedCounts([1, 0, 7, 2]).apportioned(to: 5) == BinnedCounts([1, 0, 3, 1]))
        #expect(BinnedCounts([3, 3, 3]).apportioned(to: 4) == BinnedCounts([2, 1, 1]))
        // Never more weight than observations; none for no requests.
        #expect(BinnedCounts([2, 1]).apportioned(to: 10) == BinnedCounts([2, 1]))
        #expect(BinnedCounts([2, 1]).apportioned(to: 0) == BinnedCounts([0, 0]))
        #expect(BinnedCounts([0, 0]).apportioned(to: 5) == BinnedCounts([0, 0]))
        // Any shape, any target: the total is the target and no bin moves by a whole share.
        var seed: UInt64 = 7
        for _ in 0..<200 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let counts = (0..<8).map { i in Int((seed >> UInt64(8 * i)) & 0x3f) }
            let n = counts.reduce(0, +), target = Int(seed % 97)
            let out = BinnedCounts(counts).apportioned(to: target)
            #expect(out.total == min(target, n))
            for (c, o) in zip(counts, out.counts) where n > 0 && target < n {
                #expect(abs(Double(o) - Double(c) * Double(target) / Double(n)) < 1)
            }
        }
    }

    @Test func cumulativeBucketsBecomeCountsAndBadInputIsRefused() throws {
        // Extrapolated increases are rounded; a dip (a reset in the window) adds nothing.
        #expect(BinnedCounts.fromCumulative([0.4, 2.6, 2.2, 10.0]) == BinnedCounts([0, 3, 0, 7]))
        #expect(throws: StatsError.self) { try BinnedMannWhitney.test(BinnedCounts([1, 2]), BinnedCounts([1]), alternative: .greater) }
        #expect(throws: StatsError.self) { try BinnedMannWhitney.test(BinnedCounts([0, 0]), BinnedCounts([1, 1])) }
        let same = try BinnedMannWhitney.test(BinnedCounts([0, 9, 0]), BinnedCounts([0, 4, 0]), alternative: .greater)
        #expect(same.pValue == 1)
    }
}
