/// Average ranks with tie groups, as `scipy.stats.rankdata(method='average')`.
enum Ranking {
    /// Ranks (1-based, ties get their average rank) and the sizes of the tie groups.
    static func averageRanks(_ values: [Double]) -> (ranks: [Double], tieSizes: [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var ties: [Int] = []
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j { ranks[order[k]] = rank }
            ties.append(j - i + 1)
            i = j + 1
        }
        return (ranks, ties)
    }

    /// Σ (t³ − t) over tie groups.
    static func tieTerm(_ tieSizes: [Int]) -> Double {
        tieSizes.reduce(0) { $0 + Double($1) * Double($1) * Double($1) - Double($1) }
    }
}
