/// Why a statistical computation could not be done on the data it was given.
public enum StatsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input held NaN or an infinity; statistics on it would be meaningless.
    case nonFiniteInput(name: String)
    /// The sample is too small for the method (for example fewer than two values for a variance).
    case notEnoughData(name: String, needed: Int, got: Int)
    /// A parameter is outside its domain (a confidence level of 1.5, a negative count).
    case invalidParameter(String)
    /// Paired samples must have the same length.
    case lengthMismatch(first: Int, second: Int)
    /// The data carry no information for this method (every value identical, zero variance).
    case degenerate(String)

    public var description: String {
        switch self {
        case .nonFiniteInput(let name):
            return "\(name) contains NaN or infinite values; remove or fix them before testing."
        case .notEnoughData(let name, let needed, let got):
            return "\(name) needs at least \(needed) values, got \(got)."
        case .invalidParameter(let message):
            return message
        case .lengthMismatch(let first, let second):
            return "Paired samples must have the same length, got \(first) and \(second) values; pair each baseline value with its candidate value."
        case .degenerate(let message):
            return message
        }
    }
}
