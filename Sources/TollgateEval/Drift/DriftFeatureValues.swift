import Foundation
public import TollgateCore
import TollgateTraffic

/// The per-request values of one drift feature, extracted from samples: numbers for timing and
/// length features, category labels for the categorical ones. Embeddings are fetched separately.
public enum DriftFeatureValues {
    /// Numeric values of a numeric feature, the metric's per-request observations
    /// (``MetricName/observations(in:)``: successful requests, `itl_ms` the mean inter-token gap of each).
    public static func numbers(_ feature: DriftFeature, of samples: [Sample]) -> [Double] {
        feature.metricName?.observations(in: samples) ?? []
    }

    /// Category labels of a categorical feature: the finish reason (successful requests), the error
    /// class (`ok` when none), `refusal`/`answer` and `valid`/`invalid` JSON (successful requests
    /// with text).
    public static func categories(_ feature: DriftFeature, of samples: [Sample], detector: RefusalDetector = RefusalDetector()) -> [String] {
        switch feature {
        case .finishReason: return samples.filter(\.succeeded).map { $0.finishReason ?? "none" }
        case .errorClass: return samples.map { $0.errorClass?.rawValue ?? "ok" }
        case .refusalRate:
            return samples.filter { $0.succeeded && $0.responseText != nil }.map { detector.isRefusal($0.responseText!) ? "refusal" : "answer" }
        case .jsonValidity:
            return samples.filter { $0.succeeded && $0.responseText != nil }.map { JSONAnswer.parse($0.responseText!) != nil ? "valid" : "invalid" }
        default: return []
        }
    }

    /// Answer texts of successful requests, for embeddings.
    public static func texts(of samples: [Sample]) -> [String] {
        samples.filter(\.succeeded).compactMap(\.responseText).filter { !$0.isEmpty }
    }
}
