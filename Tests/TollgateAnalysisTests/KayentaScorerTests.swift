import Testing
@testable import TollgateAnalysis

/// The scorer cases of the issue (Kayenta's `ScorerSuite` for `WeightedSumScorer`).
@Suite struct KayentaScorerTests {
    typealias M = KayentaScoredMetric

    static func score(_ metrics: [M], _ weights: [String: Double] = [:]) -> Double {
        KayentaScorer.score(metrics, groupWeights: weights).score
    }

    @Test func singleGroupScores() {
        #expect(Self.score([M(name: "a", classification: .pass, groups: ["g"])]) == 100)
        #expect(Self.score([M(name: "a", classification: .high, groups: ["g"])]) == 0)
        #expect(Self.score([M(name: "a", classification: .pass, groups: ["g"]), M(name: "b", classification: .high, groups: ["g"])]) == 50)
        let three = Self.score([M(name: "a", classification: .pass, groups: ["g"]), M(name: "b", classification: .high, groups: ["g"]),
                                M(name: "c", classification: .low, groups: ["g"])])
        #expect(abs(three - 33.333_333) < 1e-4)
    }

    @Test func weightedGroups() {
        #expect(Self.score([M(name: "a", classification: .pass, groups: ["g1"]), M(name: "b", classification: .pass, groups: ["g1"]),
                            M(name: "c", classification: .high, groups: ["g2"])], ["g1": 75, "g2": 25]) == 75)
        #expect(Self.score([M(name: "a", classification: .pass, groups: ["g1"]), M(name: "b", classification: .high, groups: ["g1"]),
                            M(name: "c", classification: .high, groups: ["g2"])], ["g1": 50, "g2": 50]) == 25)
        #expect(Self.score([M(name: "a", classification: .pass, groups: ["g1"]), M(name: "b", classification: .nodata, groups: ["g1"]),
                            M(name: "c", classification: .high, groups: ["g2"])], ["g1": 50, "g2": 50]) == 50)
        let mixed = Self.score([M(name: "a", classification: .high, groups: ["g1"]), M(name: "b", classification: .low, groups: ["g1"]),
                                M(name: "c", classification: .pass, groups: ["g1"]), M(name: "d", classification: .high, groups: ["g2"])],
                               ["g1": 15, "g2": 85])
        #expect(abs(mixed - 5.0) < 1e-9)
    }

    @Test func criticalMetricsOverrideTheScore() {
        #expect(Self.score([M(name: "a", classification: .pass, groups: ["g"]), M(name: "b", classification: .high, groups: ["g"], critical: true)]) == 0)
        #expect(Self.score([M(name: "a", classification: .low, groups: ["g"]), M(name: "b", classification: .pass, groups: ["g"], critical: true)]) == 50)
        #expect(Self.score([M(name: "a", classification: .pass, groups: ["g"]), M(name: "b", classification: .nodata, groups: ["g"], critical: true)]) == 0)
    }

    @Test func halfTheMetricsWithoutDataFailTheCanary() {
        let result = KayentaScorer.score([M(name: "a", classification: .pass, groups: ["g"]), M(name: "b", classification: .nodata, groups: ["g"])],
                                         groupWeights: [:])
        #expect(result.score == 0)
        #expect(result.reason?.contains("no data") == true)
    }
}
