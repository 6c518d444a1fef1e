public import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateTraffic

/// Embeds texts through an OpenAI-compatible `/v1/embeddings` endpoint (the simulator's, or a real
/// embedding model such as all-MiniLM-L6-v2 behind any OpenAI-compatible server).
public struct EmbeddingsClient: Sendable {
    public let endpoint: JSONEndpoint
    public let model: String?
    /// Texts sent per request.
    public var batchSize = 32

    public init(httpClient: HTTPClient, baseURL: String, model: String? = nil, apiKey: String? = nil) {
        endpoint = JSONEndpoint(httpClient: httpClient, url: JSONEndpoint.url(base: baseURL, path: "/embeddings"), apiKey: apiKey)
        self.model = model
    }

    /// One vector per text, in order.
    public func embed(_ texts: [String]) async throws(EvalError) -> [[Double]] {
        var vectors: [[Double]] = []
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(texts.count, start + batchSize)])
            var body: [String: JSONValue] = ["input": .array(batch.map { .string($0.isEmpty ? " " : $0) })]
            if let model { body["model"] = .string(model) }
            let reply = try await endpoint.postExpectingJSON(.object(body))
            guard let data = reply["data"]?.arrayValue, data.count == batch.count else {
                throw .endpointFailed(url: endpoint.url, reason: "the answer has no 'data' list with \(batch.count) embeddings.")
            }
            let ordered = data.sorted { ($0["index"]?.intValue ?? 0) < ($1["index"]?.intValue ?? 0) }
            for item in ordered {
                guard let v = item["embedding"]?.arrayValue?.compactMap(\.doubleValue), !v.isEmpty else {
                    throw .endpointFailed(url: endpoint.url, reason: "an item of 'data' has no numeric 'embedding'.")
                }
                vectors.append(v)
            }
            start += batch.count
        }
        return vectors
    }

    /// Cosine similarity of two vectors (0 when either is zero or their lengths differ).
    public static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += x * y
            na += x * x
            nb += y * y
        }
        guard na > 0, nb > 0 else { return 0 }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
