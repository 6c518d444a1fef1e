import Foundation
public import TollgateCore
import TollgateTraffic

/// The per-request values of one drift feature, extracted from samples: numbers for timing and
/// length features, category labels for the categorical ones. Embeddings are fetched separately.
public enum DriftFeatureValues {
    /// Numeric values of a numeric feature (requests where it was not measured are left out):
    /// TTFT, mean inter-token latency per request, end-to-end time, output tokens.
    public static func numbers(_ feature: DriftFeature, of samples: [Sample]) -> [Double] {
        switch feature {
        case .ttftMs: return samples.compactMap(\.ttftMs)
        case .itlMs:
            return samples.compactMap { s in
                let gaps = s.interTokenLatenciesMs
                return gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
            }
        case .e2eMs: return samples.filter(\.succeeded).compactMap(\.e2eMs)
        case .outputTokens: return samples.filter(\.succeeded).compactMap { $0.outputTokens.map(Double.init) }
        default: return []
        }
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
