import Foundation
import Testing
import TollgateCore
import TollgateStats
import TollgateTraffic
@testable import TollgateEval

/// Builds cases and scores: `outcomes[i]` is (baseline passed, candidate passed) of case i.
func scored(_ outcomes: [(Bool, Bool)], tags: (Int) -> [String] = { _ in [] }, repetition: Int = 0) -> ([EvalCase], [CaseScore]) {
    var cases: [EvalCase] = [], scores: [CaseScore] = []
    for (i, (b, c)) in outcomes.enumerated() {
        cases.append(EvalCase(id: "c\(i)", body: .object(["prompt": .string("q\(i)")]), tags: tags(i)))
        scores.append(CaseScore(caseID: "c\(i)", arm: .baseline, repetition: repetition, score: b ? 1 : 0, passed: b, outcomes: [], answer: nil, errorClass: nil))
        scores.append(CaseScore(caseID: "c\(i)", arm: .candidate, repetition: repetition, score: c ? 1 : 0, passed: c, outcomes: [], answer: nil, errorClass: nil))
    }
    return (cases, scores)
}

@Suite("Paired quality comparison")
struct ComparisonTests {
    @Test func identicalAnswersAreNonInferior() throws {
        let (cases, scores) = scored((0..<200).map { i in (i % 5 != 0, i % 5 != 0) })
        let q = try QualityComparator.compare(cases: cases, scores: scores, margin: 0.02)
        #expect(q.difference == 0)
        #expect(q.mcnemarPValue == 1)
        #expect(q.wilcoxonPValue == nil)
        #expect(q.decision == .pass)
    }

    @Test func aCandidateLosingTwelveOfAHundredCasesFails() throws {
        let (cases, scores) = scored((0..<100).map { i in (i < 90, i < 78) })
        let q = try QualityComparator.compare(cases: cases, scores: scores, margin: 0.02)
        #expect(abs(q.difference + 0.12) < 1e-12)
        #expect(q.onlyBaselinePassed == 12 && q.onlyCandidatePassed == 0)
        #expect(q.mcnemarPValue < 0.001)
        #expect(q.differenceHigh < -0.02)
        #expect(q.decision == .fail)
    }

    @Test func aSmallUnclearDifferenceIsMarginal() throws {
        let (cases, scores) = scored((0..<40).map { i in (i < 30, i < 29) })
        let q = try QualityComparator.compare(cases: cases, scores: scores, margin: 0.02)
        #expect(q.decision == .marginal)
    }

    @Test func perTagBreakdownIsHolmCorrected() throws {
        // German cases all regress, English ones do not.
        let outcomes: [(Bool, Bool)] = (0..<120).map { i in i < 20 ? (true, false) : (true, true) }
        let (cases, scores) = scored(outcomes, tags: { i in i < 20 ? ["de"] : (i < 70 ? ["en", "billing"] : ["en"]) })
        let q = try QualityComparator.compare(cases: cases, scores: scores, margin: 0.02)
        let de = try #require(q.tags.first { $0.tag == "de" })
        let en = try #require(q.tags.first { $0.tag == "en" })
        #expect(de.significant && de.candidatePassRate == 0)
        #expect(!en.significant && en.pValue == 1)
        let raw = try McNemar.test(b: 20, c: 0).pValue!
        #expect(abs(de.adjustedPValue - min(1, 3 * raw)) < 1e-12)   // smallest of three p-values: × 3
    }

    @Test func repetitionsMeasureTheBaselineAgainstItself() throws {
        // Baseline flips 4 of 50 cases between its two repetitions; the candidate differs by 1 case.
        let (cases, first) = scored((0..<50).map { i in (i < 40, i < 39) }, repetition: 0)
        let second = scored((0..<50).map { i in (i < 36 || (i >= 40 && i < 44), i < 39) }, repetition: 1).1
        let scores = first + second
        let q = try QualityComparator.compare(cases: cases, scores: scores, margin: 0.02)
        let noise = try #require(q.noise)
        #expect(noise.repetitions == 2)
        #expect(abs(noise.discordantRate - 8.0 / 50.0) < 1e-12)
        #expect(q.withinNoise)
    }

    @Test func newcombePairedIntervalCoversAtItsNominalRate() {
        // Coverage of the true difference in 2000 simulated studies of 60 pairs (seeded).
        var random = SeededGenerator(seed: 42)
        let pBoth = 0.6, pOnlyBase = 0.12, pOnlyCand = 0.06
        let truth = pOnlyCand - pOnlyBase
        var covered = 0
        let studies = 2000
        for _ in 0..<studies {
            var a = 0, b = 0, c = 0, d = 0
            for _ in 0..<60 {
                let u = random.nextUnit()
                if u < pBoth { a += 1 } else if u < pBoth + pOnlyBase { b += 1 } else if u < pBoth + pOnlyBase + pOnlyCand { c += 1 } else { d += 1 }
            }
            let ci = PairedProportionInterval.newcombe(bothPass: a, onlyBaseline: b, onlyCandidate: c, neither: d)
            if ci.low <= truth && truth <= ci.high { covered += 1 }
        }
        let coverage = Double(covered) / Double(studies)
        #expect(coverage > 0.93 && coverage < 0.985)
    }

    @Test func newcombeIntervalMatchesAnIndependentComputation() {
        // a = 12, b = 9, c = 2, d = 21 (n = 44), the paired example of Newcombe (1998). Reference
        // values from an independent Python evaluation of method 10 with scipy's normal quantile:
        // difference (b − c)/n = 0.15909, interval 0.011243 to 0.295372. Here the candidate is the
        // second column, so the signs flip.
        let ci = PairedProportionInterval.newcombe(bothPass: 12, onlyBaseline: 9, onlyCandidate: 2, neither: 21)
        #expect(abs(ci.estimate + 0.159091) < 1e-6)
        #expect(abs(ci.high + 0.011243) < 1e-6)
        #expect(abs(ci.low + 0.295372) < 1e-6)
    }
}
