import Foundation
import Testing
import TollgateCore
@testable import TollgateAnalysis
@testable import TollgateStats

/// The group-sequential canary judge: operating characteristics on simulated canaries (fixed
/// seeds, so reproducible), irregular looks, the forced decision at the horizon, error control
/// across metrics, quantiles judged as quantiles, and eval quality decided once.
@Suite struct GroupSequentialJudgeTests {
    static let ttft = MetricCriterion(name: "ttft_ms", kind: .location, worse: .higher, tolerance: .relative(0.10), critical: true)
    static let design = SequentialDesign(maxSamples: 1000)

    /// One simulated canary: looks of 50 samples per arm up to 1,000, lognormal σ = 0.5; returns
    /// the decision and the samples per arm when it was taken.
    static func canary(ratio: Double, generator g: inout SeededGenerator, criteria: [MetricCriterion] = [ttft],
                       scale: LatencyScale = .log) throws -> (Decision, Int) {
        var b: [Double] = [], c: [Double] = []
        var sizes: [Int] = []
        while true {
            for _ in 0..<50 {
                b.append(100 * exp(0.5 * g.nextGaussian()))
                c.append(100 * ratio * exp(0.5 * g.nextGaussian()))
            }
            sizes.append(b.count)
            var data: [String: MetricSamples] = [:]
            for criterion in criteria { data[criterion.name] = MetricSamples(baseline: b, candidate: c) }
            let v = try GroupSequentialJudge.judge(criteria: criteria, data: data, design: design, lookSizes: sizes, scale: scale)
            if v.decision != .hold { return (v.decision, b.count) }
            #expect(b.count < 1000, "the horizon must force a decision")
            if b.count >= 1000 { return (.hold, b.count) }
        }
    }

    static func median(_ xs: [Int]) -> Int { xs.sorted()[xs.count / 2] }

    @Test func identicalCandidatesArePromotedFastAndRarelyRolledBack() throws {
        var g = SeededGenerator(seed: 11)
        var rollbacks = 0, promoted: [Int] = []
        let runs = 300
        for _ in 0..<runs {
            let (d, n) = try Self.canary(ratio: 1, generator: &g)
            if d == .rollback { rollbacks += 1 } else if d == .promote { promoted.append(n) }
        }
        // α = 0.05 by design: 15 of 300 expected; 8% is 2.5 standard errors above.
        #expect(rollbacks <= 24, "false rollbacks \(rollbacks)/\(runs)")
        #expect(promoted.count >= 270, "promoted \(promoted.count)/\(runs)")
        #expect(Self.median(promoted) <= 350, "median samples to promote \(Self.median(promoted))")
    }

    @Test func aTenPercentRegressionIsRolledBackFastAndRarelyPromoted() throws {
        var g = SeededGenerator(seed: 12)
        var rolled: [Int] = [], promotes = 0
        let runs = 200
        for _ in 0..<runs {
            let (d, n) = try Self.canary(ratio: 1.1, generator: &g)
            if d == .rollback { rolled.append(n) } else if d == .promote { promotes += 1 }
        }
        #expect(rolled.count >= 180, "rolled back \(rolled.count)/\(runs)")
        #expect(promotes <= 20, "falsely promoted \(promotes)/\(runs)")
        #expect(Self.median(rolled) <= 350, "median samples to roll back \(Self.median(rolled))")
    }

    @Test func theRankScaleAlsoCatchesTheRegression() throws {
        var g = SeededGenerator(seed: 13)
        var rolled = 0
        for _ in 0..<40 where try Self.canary(ratio: 1.1, generator: &g, scale: .rank).0 == .rollback { rolled += 1 }
        #expect(rolled >= 32, "rank scale rolled back \(rolled)/40")
    }

    @Test func verdictExplainsTheLookWithItsNumbers() throws {
        let b = TollgateJudgeTests.lognormal(200, median: 100, seed: 1), c = TollgateJudgeTests.lognormal(200, median: 100, seed: 2)
        let v = try GroupSequentialJudge.judge(criteria: [Self.ttft], data: ["ttft_ms": MetricSamples(baseline: b, candidate: c)],
                                               design: Self.design, lookSizes: [50, 100, 150, 200])
        let look = try #require(v.metrics[0].sequential)
        #expect(look.look == 4 && look.plannedLooks == 20)
        #expect(abs(look.informationFraction - 0.2) < 1e-12)
        let u = try GroupSequential.upperBoundaries(fractions: [0.05, 0.1, 0.15, 0.2], spending: .pocock, total: 0.05)
        #expect(look.rollbackBoundary == u[3])
        #expect(abs(look.alphaSpent - SpendingFunction.pocock.spent(0.05, at: 0.2)) < 1e-15)
        #expect(look.promoteBoundary < look.rollbackBoundary)
        for text in ["look 4 of ~20", "information fraction 0.2", "z = ", "rollback at z ≥", "promote at z ≤", "α spent", "β spent"] {
            #expect(v.metrics[0].explanation.contains(text), "\(text) missing: \(v.metrics[0].explanation)")
        }
        #expect(v.judge == "sequential")
    }

    @Test func irregularLooksAndAResumeUseTheFractionsActuallyTaken() throws {
        let b = TollgateJudgeTests.lognormal(330, median: 100, seed: 3), c = TollgateJudgeTests.lognormal(330, median: 100, seed: 4)
        // A resume re-checks 130 without new samples: that look is not counted.
        let v = try GroupSequentialJudge.judge(criteria: [Self.ttft], data: ["ttft_ms": MetricSamples(baseline: b, candidate: c)],
                                               design: Self.design, lookSizes: [40, 130, 130, 330])
        let look = try #require(v.metrics[0].sequential)
        #expect(look.look == 3)
        let u = try GroupSequential.upperBoundaries(fractions: [0.04, 0.13, 0.33], spending: .pocock, total: 0.05)
        #expect(look.rollbackBoundary == u[2])
        #expect(GroupSequentialJudge.informationFractions([40, 130, 130, 330, 1200, 1300], horizon: 1000) == [0.04, 0.13, 0.33, 1])
    }

    @Test func theHorizonForcesADecision() throws {
        // A candidate 5% slower, at the horizon of a short stage: neither boundary is crossed before it.
        for seed in UInt64(20)..<UInt64(30) {
            let b = TollgateJudgeTests.lognormal(120, median: 100, seed: seed), c = TollgateJudgeTests.lognormal(120, median: 105, seed: seed + 100)
            let v = try GroupSequentialJudge.judge(criteria: [Self.ttft], data: ["ttft_ms": MetricSamples(baseline: b, candidate: c)],
                                                   design: SequentialDesign(maxSamples: 120), lookSizes: [40, 80, 120])
            #expect(v.decision != .hold)
            #expect(v.metrics[0].sequential?.forced == true)
            let look = v.metrics[0].sequential!
            #expect((v.decision == .rollback) == (look.z >= look.rollbackBoundary))
        }
    }

    @Test func rollbackAlphaIsSplitOverMetricsAndTheFamilyRateHolds() throws {
        let two = [Self.ttft, MetricCriterion(name: "itl_ms", kind: .location, worse: .higher, tolerance: .relative(0.10))]
        let b = TollgateJudgeTests.lognormal(100, median: 100, seed: 5), c = TollgateJudgeTests.lognormal(100, median: 100, seed: 6)
        let data = ["ttft_ms": MetricSamples(baseline: b, candidate: c), "itl_ms": MetricSamples(baseline: c, candidate: b)]
        let v2 = try GroupSequentialJudge.judge(criteria: two, data: data, design: Self.design, lookSizes: [100])
        let v1 = try GroupSequentialJudge.judge(criteria: [Self.ttft], data: data, design: Self.design, lookSizes: [100])
        let u2 = try GroupSequential.upperBoundaries(fractions: [0.1], spending: .pocock, total: 0.025)
        #expect(v2.metrics[0].sequential!.rollbackBoundary == u2[0])
        #expect(v2.metrics[0].sequential!.rollbackBoundary > v1.metrics[0].sequential!.rollbackBoundary)
        // Family-wise: two independent A/A metrics, 200 canaries.
        var g = SeededGenerator(seed: 14)
        var rollbacks = 0
        for _ in 0..<200 {
            var bb: [Double] = [], cc: [Double] = [], b2: [Double] = [], c2: [Double] = []
            var sizes: [Int] = []
            while true {
                for _ in 0..<50 {
                    bb.append(100 * exp(0.5 * g.nextGaussian())); cc.append(100 * exp(0.5 * g.nextGaussian()))
                    b2.append(20 * exp(0.3 * g.nextGaussian())); c2.append(20 * exp(0.3 * g.nextGaussian()))
                }
                sizes.append(bb.count)
                let v = try GroupSequentialJudge.judge(criteria: two, data: ["ttft_ms": MetricSamples(baseline: bb, candidate: cc),
                                                                             "itl_ms": MetricSamples(baseline: b2, candidate: c2)],
                                                       design: Self.design, lookSizes: sizes)
                if v.decision == .rollback { rollbacks += 1 }
                if v.decision != .hold { break }
            }
        }
        #expect(rollbacks <= 16, "family-wise false rollbacks \(rollbacks)/200")
    }

    /// Lognormal values whose p95 is 20% higher than the baseline's while the median is unchanged:
    /// the log values above z = 0.84 are stretched so that z = 1.645 lands 20% higher.
    static func tailShifted(_ n: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        let stretch = log(1.2) / (1.645 - 0.84)
        return (0..<n).map { _ in
            let z = g.nextGaussian()
            return 100 * exp(0.5 * z + (z > 0.84 ? stretch * (z - 0.84) : 0))
        }
    }

    @Test func quantileMetricsAreJudgedAsQuantiles() throws {
        let p95 = MetricCriterion(name: "ttft_ms.p95", kind: .p95, worse: .higher, tolerance: .relative(0.10))
        let b = TollgateJudgeTests.lognormal(1000, median: 100, seed: 7), c = Self.tailShifted(1000, seed: 8)
        let data = ["ttft_ms.p95": MetricSamples(baseline: b, candidate: c), "ttft_ms": MetricSamples(baseline: b, candidate: c)]
        let v = try GroupSequentialJudge.judge(criteria: [p95], data: data, design: Self.design, lookSizes: [1000])
        #expect(v.decision == .rollback, "\(v.metrics[0].explanation)")
        #expect(v.metrics[0].method == "group-sequential-exceedance-p95")
        #expect(v.metrics[0].candidateValue! > v.metrics[0].baselineValue! * 1.05)
        // The location metric barely moves on the same data.
        let location = try GroupSequentialJudge.judge(criteria: [Self.ttft], data: data, design: Self.design, lookSizes: [1000])
        #expect(location.decision == .promote)
        // Identical distributions: promoted at the horizon.
        let same = try GroupSequentialJudge.judge(criteria: [p95], data: ["ttft_ms.p95": MetricSamples(baseline: b, candidate: TollgateJudgeTests.lognormal(1000, median: 100, seed: 9))],
                                                  design: Self.design, lookSizes: [1000])
        #expect(same.decision == .promote)
    }

    @Test func ratesAreADifferenceOfProportions() throws {
        let errors = MetricCriterion(name: "error_rate", kind: .rate, worse: .higher, tolerance: .percentagePoints(1))
        let bad = try GroupSequentialJudge.judge(criteria: [errors], data: ["error_rate": MetricSamples(
            baseline: TollgateJudgeTests.events(500, rate: 0.01, seed: 1), candidate: TollgateJudgeTests.events(500, rate: 0.08, seed: 2))],
            design: Self.design, lookSizes: [500])
        #expect(bad.decision == .rollback)
        let clean = try GroupSequentialJudge.judge(criteria: [errors], data: ["error_rate": MetricSamples(
            baseline: [Double](repeating: 0, count: 600), candidate: [Double](repeating: 0, count: 600))],
            design: Self.design, lookSizes: [600])
        #expect(clean.decision == .promote)
    }

    @Test func evalQualityIsDecidedOnceAndCountsAsPassOrFail() throws {
        let quality = MetricCriterion(name: "quality", kind: .pairedBinary, worse: .lower, tolerance: .percentagePoints(2))
        let same = [Double](repeating: 1, count: 7) + [0, 1, 0]
        let both = ["quality": MetricSamples(baseline: same, candidate: same),
                    "ttft_ms": MetricSamples(baseline: TollgateJudgeTests.lognormal(1000, median: 100, seed: 30),
                                             candidate: TollgateJudgeTests.lognormal(1000, median: 100, seed: 31))]
        let v = try GroupSequentialJudge.judge(criteria: [Self.ttft, quality], data: both, design: Self.design, lookSizes: [1000])
        #expect(v.metrics[1].outcome == .pass)
        #expect(v.decision == .promote)
        // Quality takes no share of the rollback α.
        #expect(v.metrics[0].sequential!.rollbackBoundary == (try GroupSequential.upperBoundaries(fractions: [1], spending: .pocock, total: 0.05))[0])
        let dropped = try GroupSequentialJudge.judge(
            criteria: [quality], data: ["quality": MetricSamples(baseline: [Double](repeating: 1, count: 40),
                                                                 candidate: [Double](repeating: 1, count: 10) + [Double](repeating: 0, count: 30))],
            design: Self.design, lookSizes: [50])
        #expect(dropped.decision == .rollback)
    }

    @Test func designsOutsideTheirDomainAreRejected() {
        let data = ["ttft_ms": MetricSamples(baseline: [1, 2, 3], candidate: [1, 2, 3])]
        #expect(throws: AnalysisError.self) {
            try GroupSequentialJudge.judge(criteria: [Self.ttft], data: data, design: SequentialDesign(maxSamples: 1), lookSizes: [3])
        }
        #expect(throws: AnalysisError.self) {
            try GroupSequentialJudge.judge(criteria: [Self.ttft], data: data, design: SequentialDesign(maxSamples: 100, alpha: 0.6), lookSizes: [3])
        }
    }
}
