public import Foundation
public import TollgateCore

/// One feature's drift test: the test used, its p-value (raw and corrected across features), the
/// effect size against the suite's minimum, and whether the feature counts as drifted.
public struct FeatureDrift: Sendable, Equatable, Codable {
    public var feature: DriftFeature
    /// `ks`, `chi2` or `mmd-permutation`.
    public var test: String
    public var referenceCount: Int
    public var currentCount: Int
    public var statistic: Double
    public var pValue: Double
    public var adjustedPValue: Double
    /// Effect: relative change of the median (numbers), largest change of a category's share in
    /// proportion units (categories), MMD² (embeddings).
    public var effect: Double
    /// The smallest effect that counts, in the same unit; `nil` when the suite gives none and PSI decides.
    public var minEffect: Double?
    /// Population stability index (numbers: baseline deciles; categories: their shares); `nil` for embeddings.
    public var psi: Double?
    /// Wasserstein distance of the numbers, in their unit.
    public var wasserstein: Double?
    public var referenceSummary: String
    public var currentSummary: String
    public var drifted: Bool
    /// Why the feature is (not) drifted, or why it was not tested.
    public var note: String
}

/// The verdict of a drift suite run: drifted or not, naming the drifted features, with every
/// feature's test. Encodes to the JSON `tollgate drift run --json` prints.
public struct DriftVerdict: Sendable, Codable {
    public var suite: String
    public var at: Date
    /// The stored run holding the current window's samples, when a store was given.
    public var runID: String?
    public var reference: String
    public var current: String
    public var alpha: Double
    public var correction: String
    public var drifted: Bool
    public var driftedFeatures: [DriftFeature]
    public var features: [FeatureDrift]

    /// One line: "no drift" or "drift in ttft_ms, output_tokens".
    public var summary: String {
        drifted ? "drift in " + driftedFeatures.map(\.rawValue).joined(separator: ", ") : "no drift"
    }
}
