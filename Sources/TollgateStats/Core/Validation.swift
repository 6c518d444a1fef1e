/// Input checks shared by every test: finite values, minimum sizes, parameters in range.
enum Validate {
    static func finite(_ values: [Double], name: String) throws {
        for v in values where !v.isFinite { throw StatsError.nonFiniteInput(name: name) }
    }

    static func count(_ values: [Double], atLeast needed: Int, name: String) throws {
        if values.count < needed { throw StatsError.notEnoughData(name: name, needed: needed, got: values.count) }
    }

    static func sample(_ values: [Double], name: String, atLeast needed: Int = 1) throws {
        try finite(values, name: name)
        try count(values, atLeast: needed, name: name)
    }

    static func confidence(_ level: Double) throws {
        guard level > 0, level < 1, level.isFinite else {
            throw StatsError.invalidParameter("The confidence level must lie strictly between 0 and 1 (for example 0.95), got \(level).")
        }
    }

    static func probability(_ p: Double, name: String) throws {
        guard p >= 0, p <= 1, p.isFinite else {
            throw StatsError.invalidParameter("\(name) must be a probability between 0 and 1, got \(p).")
        }
    }
}
