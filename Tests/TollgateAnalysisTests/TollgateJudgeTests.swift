import Foundation
import Testing
import TollgateCore
@testable import TollgateAnalysis
import TollgateStats

/// Tollgate's default judge: intervals per metric kind against tolerances, and the decision.
@Suite struct TollgateJudgeTests {
    static func lognormal(_ n: Int, median: Double, sigma: Double = 0.5, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in median * exp(sigma * g.nextGaussian()) }
    }

    static func events(_ n: Int, rate: Double, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in g.nextUnit() < rate ? 1 : 0 }
    }

    let ttft = MetricCriterion(name: "ttft_ms", kind: .location, worse: .higher, tolerance: .relative(0.10), critical: true)

    @Test func rollsBackWhenCandidateTTFTRegresses() throws {
        let data = ["ttft_ms": MetricSamples(baseline: Self.lognormal(400, median: 300, seed: 1),
                                             candidate: Self.lognormal(400, median: 420, seed: 2))]
        let verdict = try TollgateJudge.judge(criteria: [ttft], data: data)
        #expect(verdict.decision == .rollback)
        let m = try #require(verdict.metrics.first)
        #expect(m.outcome == .fail)
        #expect(m.ciLow! > m.allowance!)
        #expect(m.explanation.contains("fails"))
        #expect(verdict.explanation.contains("Critical metric ttft_ms failed"))
    }

    @Test func promotesWhenTheCandidateMatchesTheBaseline() throws {
        let data = ["ttft_ms": MetricSamples(baseline: Self.lognormal(3000, median: 300, seed: 3),
                                             candidate: Self.lognormal(3000, median: 300, seed: 4))]
        let verdict = try TollgateJudge.judge(criteria: [ttft], data: data)
        #expect(verdict.metrics[0].outcome == .pass)
        #expect(verdict.decision == .promote)
        #expect(verdict.score == 100)
    }

    @Test func smallSamplesAreInconclusiveAndSayHowManyMoreAreNeeded() throws {
        let data = ["ttft_ms": MetricSamples(baseline: Self.lognormal(30, median: 300, seed: 5),
                                             candidate: Self.lognormal(30, median: 310, seed: 6))]
        let verdict = try TollgateJudge.judge(criteria: [ttft], data: data)
        let m = verdict.metrics[0]
        #expect(m.outcome == .inconclusive)
        #expect((m.samplesNeeded ?? 0) > 0)
        #expect(m.explanation.contains("more samples per arm"))
        #expect(verdict.decision == .hold)
    }

    @Test func noDataIsNeverAPass() throws {
        let data = ["ttft_ms": MetricSamples(baseline: [300, 310, 290], candidate: [])]
        let verdict = try TollgateJudge.judge(criteria: [ttft], data: data)
        #expect(verdict.metrics[0].outcome == .nodata)
        #expect(verdict.metrics[0].explanation.contains("the candidate has not"))
        #expect(verdict.decision == .hold)
    }

    @Test func errorRateRegressionBeyondPercentagePointsFails() throws {
        let criterion = MetricCriterion(name: "error_rate", kind: .rate, worse: .higher, tolerance: .percentagePoints(0.5), critical: true)
        let data = ["error_rate": MetricSamples(baseline: Self.events(4000, rate: 0.01, seed: 7),
                                                candidate: Self.events(4000, rate: 0.05, seed: 8))]
        let verdict = try TollgateJudge.judge(criteria: [criterion], data: data)
        #expect(verdict.metrics[0].outcome == .fail)
        #expect(verdict.metrics[0].allowance == 0.005)
        #expect(verdict.decision == .rollback)
    }

    @Test func tailQuantileUsesADeterministicBootstrap() throws {
        let criterion = MetricCriterion(name: "ttft_p95", kind: .p95, worse: .higher, tolerance: .relative(0.10))
        let data = ["ttft_p95": MetricSamples(baseline: Self.lognormal(500, median: 300, seed: 9),
                                              candidate: Self.lognormal(500, median: 300, seed: 10))]
        let settings = JudgeSettings(seed: 42)
        let one = try TollgateJudge.judge(criteria: [criterion], data: data, settings: settings)
        let two = try TollgateJudge.judge(criteria: [criterion], data: data, settings: settings)
        #expect(one == two)
        #expect(one.metrics[0].method.hasPrefix("bootstrap-bca-difference-p95"))
        #expect(one.seed == 42)
    }

    @Test func pairedQualityScoresThatDropFail() throws {
        let criterion = MetricCriterion(name: "quality", kind: .pairedScore, worse: .lower, tolerance: .percentagePoints(2))
        var g = SeededGenerator(seed: 11)
        let baseline = (0..<200).map { _ in 0.8 + 0.1 * g.nextGaussian() }
        let candidate = baseline.map { $0 - 0.08 + 0.02 * g.nextGaussian() }
        let verdict = try TollgateJudge.judge(criteria: [criterion], data: ["quality": MetricSamples(baseline: baseline, candidate: candidate)])
        #expect(verdict.metrics[0].outcome == .fail)
        #expect(verdict.metrics[0].method.contains("wilcoxon"))
        #expect(verdict.metrics[0].pValue! < 1e-6)
    }

    @Test func weightedScoreGivesHoldOnAMarginalResult() throws {
        // Two metrics pass (weights 3 and 1), one non-critical fails (weight 1): score 80 → hold.
        let same = MetricSamples(baseline: Self.lognormal(2000, median: 100, seed: 12), candidate: Self.lognormal(2000, median: 100, seed: 13))
        let worse = MetricSamples(baseline: Self.lognormal(2000, median: 100, seed: 14), candidate: Self.lognormal(2000, median: 150, seed: 15))
        let criteria = [MetricCriterion(name: "a", weight: 3), MetricCriterion(name: "b", weight: 1), MetricCriterion(name: "c", weight: 1)]
        let verdict = try TollgateJudge.judge(criteria: criteria, data: ["a": same, "b": same, "c": worse])
        #expect(abs(verdict.score - 80) < 1e-9)
        #expect(verdict.decision == .hold)
    }

    @Test func verdictsRoundTripThroughJSON() throws {
        let data = ["ttft_ms": MetricSamples(baseline: Self.lognormal(50, median: 300, seed: 16), candidate: Self.lognormal(50, median: 300, seed: 17))]
        let verdict = try TollgateJudge.judge(criteria: [ttft], data: data)
        let json = try JSONEncoder().encode(verdict)
        #expect(try JSONDecoder().decode(Verdict.self, from: json) == verdict)
        #expect(String(decoding: json, as: UTF8.self).contains("\"samples_needed\""))
    }

    @Test func badInputIsRejectedWithAnActionableError() {
        #expect(throws: AnalysisError.missingMetric("ttft_ms")) { try TollgateJudge.judge(criteria: [ttft], data: [:]) }
        #expect(throws: AnalysisError.duplicateMetric("ttft_ms")) {
            try TollgateJudge.judge(criteria: [ttft, ttft], data: ["ttft_ms": MetricSamples(baseline: [1], candidate: [1])])
        }
        #expect(throws: StatsError.self) {
            try TollgateJudge.judge(criteria: [ttft], data: ["ttft_ms": MetricSamples(baseline: [1, .nan], candidate: [1])])
        }
        #expect(throws: AnalysisError.self) {
            try TollgateJudge.judge(criteria: [ttft], data: ["ttft_ms": MetricSamples(baseline: [1], candidate: [1])],
                                    settings: JudgeSettings(passThreshold: 50, marginalThreshold: 80))
        }
    }
}

/// The always-valid judge: repeated looks without inflating false rollbacks.
@Suite struct AlwaysValidJudgeTests {
    @Test func repeatedLooksUnderAAKeepFalseRollbacksRare() throws {
        let criterion = MetricCriterion(name: "ttft_ms", kind: .location, worse: .higher, tolerance: .relative(0.0), critical: true)
        var g = SeededGenerator(seed: 77)
        var rollbacks = 0
        let runs = 100
        for _ in 0..<runs {
            var a: [Double] = [], b: [Double] = []
            for _ in 0..<20 {
                for _ in 0..<50 {
                    a.append(300 * exp(0.6 * g.nextGaussian()))
                    b.append(300 * exp(0.6 * g.nextGaussian()))
                }
                let v = try AlwaysValidJudge.judge(criteria: [criterion], data: ["ttft_ms": MetricSamples(baseline: a, candidate: b)],
                                                   horizon: 1000)
                if v.decision == .rollback { rollbacks += 1; break }
            }
        }
        #expect(rollbacks <= 6, "false rollbacks \(rollbacks)/\(runs)")
    }

    @Test func detectsAClearRegressionAndExplainsOnTheLogScale() throws {
        let criterion = MetricCriterion(name: "ttft_ms", kind: .location, worse: .higher, tolerance: .relative(0.05), critical: true)
        let data = ["ttft_ms": MetricSamples(baseline: TollgateJudgeTests.lognormal(1500, median: 300, seed: 21),
                                             candidate: TollgateJudgeTests.lognormal(1500, median: 390, seed: 22))]
        let v = try AlwaysValidJudge.judge(criteria: [criterion], data: data, horizon: 1500)
        #expect(v.decision == .rollback)
        #expect(v.judge == "always-valid")
        #expect(v.metrics[0].explanation.contains("log-ratio"))
    }

    @Test func rateRegressionIsCaught() throws {
        let criterion = MetricCriterion(name: "errors", kind: .rate, worse: .higher, tolerance: .percentagePoints(0.5))
        let data = ["errors": MetricSamples(baseline: TollgateJudgeTests.events(3000, rate: 0.01, seed: 31),
                                            candidate: TollgateJudgeTests.events(3000, rate: 0.06, seed: 32))]
        let v = try AlwaysValidJudge.judge(criteria: [criterion], data: data, horizon: 3000)
        #expect(v.metrics[0].outcome == .fail)
    }
}

/// The Kayenta judge end to end, and the mapping from Tollgate criteria.
@Suite struct KayentaJudgeTests {
    @Test func kayentaJudgeRollsBackOnAHighCriticalMetric() throws {
        let data = ["latency": MetricSamples(baseline: TollgateJudgeTests.lognormal(200, median: 100, seed: 41),
                                             candidate: TollgateJudgeTests.lognormal(200, median: 200, seed: 42)),
                    "errors": MetricSamples(baseline: [0, 0, 1, 0, .nan], candidate: [0, 0, 0, 1, 0])]
        let config = KayentaJudgeConfig(metrics: [KayentaMetricConfig(name: "latency", critical: true),
                                                  KayentaMetricConfig(name: "errors")])
        let v = try KayentaJudge.judge(config: config, data: data)
        #expect(v.decision == .rollback)
        #expect(v.metrics[0].kayentaClassification == "High")
        #expect(v.metrics[1].kayentaClassification == "Pass")
        #expect(v.metrics[1].baselineCount == 4) // NaN removed
    }

    @Test func kayentaJudgeFromTollgateCriteriaPromotesEqualData() throws {
        let same = MetricSamples(baseline: TollgateJudgeTests.lognormal(300, median: 100, seed: 43),
                                 candidate: TollgateJudgeTests.lognormal(300, median: 100, seed: 44))
        let v = try KayentaJudge.judge(criteria: [MetricCriterion(name: "latency")], data: ["latency": same])
        #expect(v.decision == .promote)
        #expect(v.score == 100)
    }

    @Test func outlierRemovalUsesKayentaQuartiles() {
        #expect(IQROutliers.commonsPercentile([1, 2, 3, 4], 25) == 1.25)
        #expect(IQROutliers.remove([1, 2, 3, 4, 5, 6, 7, 8, 1000], factor: 3) == [1, 2, 3, 4, 5, 6, 7, 8])
    }
}
