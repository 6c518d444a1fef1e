import Foundation
import Testing
import TollgateCore
@testable import TollgateAnalysis
import TollgateStats

/// The judges' `paired_binary` kind uses the eval's pass-rate interval (Newcombe's paired interval).
@Suite struct PairedBinaryTests {
    static let criterion = MetricCriterion(name: "quality", kind: .pairedBinary, worse: .lower, tolerance: .percentagePoints(5))

    @Test func thePassRateIntervalIsNewcombesAsInTheEval() throws {
        // 40 cases: 30 pass on both, 2 only on the baseline, 5 only on the candidate, 3 on neither.
        let baseline = [Double](repeating: 1, count: 32) + [Double](repeating: 0, count: 8)
        let candidate = [Double](repeating: 1, count: 30) + [0, 0] + [1, 1, 1, 1, 1] + [0, 0, 0]
        let verdict = try TollgateJudge.evaluate(Self.criterion, MetricSamples(baseline: baseline, candidate: candidate))
        let ci = PairedProportionInterval.newcombe(bothPass: 30, onlyBaseline: 2, onlyCandidate: 5, neither: 3)
        #expect(verdict.method == "newcombe-paired+mcnemar-exact")
        #expect(verdict.estimate == ci.estimate && verdict.ciLow == ci.low && verdict.ciHigh == ci.high)
        #expect(verdict.pValue == (try McNemar.test(b: 2, c: 5).pValue))
    }

    @Test func agreementOnEveryCaseIsNotCertainty() throws {
        // A paired t interval on all-zero differences has zero width and passed any tolerance;
        // 20 concordant cases do not rule out a 5-point drop.
        let all = [Double](repeating: 1, count: 20)
        let verdict = try TollgateJudge.evaluate(Self.criterion, MetricSamples(baseline: all, candidate: all))
        #expect((verdict.ciLow ?? 0) < -0.05)
        #expect(verdict.outcome == .inconclusive)
    }
}
