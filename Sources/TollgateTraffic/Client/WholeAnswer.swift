public import Foundation
public import TollgateCore

/// What makes a complete, non-streamed 2xx answer a failure, for replay's client and for the
/// gateway alike: a body that is not a JSON object (`malformed`), an error object inside a 2xx
/// (classified by ``ErrorClassifier``), and — when the API is known — an answer without its
/// payload (no choices with content or a finish reason; an embeddings answer without `data`).
public enum WholeAnswer {
    /// The error class and a sentence quoting the server, or `nil` when the answer is sound.
    /// `api` nil (an inference path whose shape Tollgate does not read, such as `/responses`)
    /// checks only that the body is JSON without an error object.
    public static func failure(body: Data, status: Int, api: ModelAPI?) -> (ErrorClass, String)? {
        failure(reading: ChunkReading.read(body), body: body, status: status, api: api)
    }

    /// The same verdict for a body already read with ``ChunkReading/read(_:)`` (`reading` nil:
    /// not a JSON object), so a caller that also wants the body's `usage` parses it once.
    public static func failure(reading: ChunkReading?, body: some Collection<UInt8>, status: Int, api: ModelAPI?) -> (ErrorClass, String)? {
        guard let reading else {
            return (.malformed, "The response body is not a JSON object: \(String(decoding: body.prefix(120), as: UTF8.self))")
        }
        if let message = reading.errorMessage {
            return (ErrorClassifier.classify(status: status, body: message), "The server answered with an error: \(message.prefix(300))")
        }
        switch api {
        case .embeddings:
            return reading.embeddingCount == nil ? (.malformed, "The embeddings response has no 'data' list.") : nil
        case .chat, .completions:
            if reading.finishReason == nil && !reading.hasContent {
                return (.malformed, "The response has no choices with content or a finish reason.")
            }
            return nil
        case nil:
            return nil
        }
    }
}
