import Foundation
import Testing
@testable import TollgateStats

/// Selection of order statistics of pairwise differences, checked against sorting them all.
@Suite struct PairwiseDifferencesTests {
    static func bruteForce(_ x: [Double], _ y: [Double]) -> [Double] {
        x.flatMap { xi in y.map { xi - $0 } }.sorted()
    }

    @Test func selectionMatchesSortingAllDifferences() {
        var g = SeededGenerator(seed: 3)
        let x = (0..<400).map { _ in exp(g.nextGaussian()) }.sorted()
        let y = (0..<300).map { _ in exp(0.5 * g.nextGaussian()) }.sorted()
        let all = Self.bruteForce(x, y)
        let diffs = PairwiseDifferences(x: x, y: y)
        for k in [1, 2, 777, 60_000, 60_001, 119_999, 120_000] {
            #expect(diffs.kthSmallest(k) == all[k - 1], "k = \(k)")
        }
        let (a, b) = diffs.kthAndNext(60_000)
        #expect(a == all[59_999] && b == all[60_000])
    }

    @Test func heavilyTiedDifferencesAreSelectedExactly() {
        var g = SeededGenerator(seed: 4)
        let x = (0..<400).map { _ in Double(g.nextIndex(4)) }.sorted()
        let y = (0..<300).map { _ in Double(g.nextIndex(4)) }.sorted()
        let all = Self.bruteForce(x, y)
        let diffs = PairwiseDifferences(x: x, y: y)
        for k in [1, 5_000, 60_000, 100_000, 120_000] {
            #expect(diffs.kthSmallest(k) == all[k - 1], "k = \(k)")
        }
    }

    @Test func radixSortAgreesWithTheStandardSort() {
        var g = SeededGenerator(seed: 5)
        var values = (0..<10_000).map { _ in g.nextGaussian() * 1e3 }
        values += [0, -0.0, 1e300, -1e300, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, 42, 42, 42]
        let radix = RadixSort.sorted(values)
        let standard = values.sorted()
        #expect(radix.count == standard.count)
        #expect(zip(radix, standard).allSatisfy { $0 == $1 })
    }
}
