/// The alternative hypothesis of a test, in scipy's vocabulary: `greater` means the first sample
/// (or the candidate) tends to be larger than the second.
public enum Alternative: String, Codable, Sendable, CaseIterable {
    case twoSided = "two-sided"
    case greater
    case less
}
