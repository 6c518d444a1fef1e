public import Foundation
public import TollgateCore

/// How an HTTP error answer (status 400 or above) is recorded in a sample: its ``ErrorClass``
/// and a sentence carrying the server's own words, so a report says why a server refused.
///
/// An OpenAI-style error object (`{"error": {"message": …}}`) is reduced to its message, code
/// and type; any other body is quoted (the first 300 characters); a server that sent nothing is
/// said to have done so, rather than leaving an empty quote:
///
/// ```swift
/// HTTPErrorResponse.describe(status: 400, body: Data()).message   // "HTTP 400 with an empty body"
/// ```
public enum HTTPErrorResponse {
    /// The class and message of an answer with `status` and `body`.
    public static func describe(status: Int, body: some DataProtocol) -> (errorClass: ErrorClass, message: String) {
        let text = String(decoding: body.prefix(8192), as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            return (ErrorClassifier.classify(status: status, body: ""), "HTTP \(status) with an empty body")
        }
        let words = ChunkReading.read(Data(trimmed.utf8))?.errorMessage ?? String(trimmed.prefix(300))
        return (ErrorClassifier.classify(status: status, body: text), "HTTP \(status): \(words.prefix(300))")
    }
}
