import Foundation
public import TollgateCore

/// What one server-sent event of an OpenAI-style stream means, and how a stream is classified
/// when it goes wrong: the one reading that the replay client and the gateway share, so a
/// response gets the same error class whichever of them measured it.
public enum StreamEventReading: Sendable {
    /// `data: [DONE]`.
    case done
    /// A chunk of the answer.
    case chunk(ChunkReading)
    /// An `error` object inside the stream (its message).
    case errorFrame(String)
    /// An event that is not a JSON object: the stream is `malformed` (the sentence says why).
    case malformed(String)

    /// Reads one event's `data`. Spaces and tabs around it are ignored (its lines already ended
    /// at CR or LF); other Unicode spaces are not JSON whitespace, so they make the event malformed.
    /// The trimming works on bytes: Foundation's `trimmingCharacters(in:)` here once took a
    /// quarter of the gateway's CPU under a thousand streams.
    public init(data: String) {
        var bytes = Array(data.utf8)[...]
        while let first = bytes.first, Self.isBlank(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, Self.isBlank(last) { bytes = bytes.dropLast() }
        if bytes.elementsEqual("[DONE]".utf8) {
            self = .done
            return
        }
        guard let reading = ChunkReading.read(bytes) else {
            self = .malformed("The server sent an SSE event that is not a JSON object: \(String(decoding: bytes, as: UTF8.self).prefix(120))")
            return
        }
        if let message = reading.errorMessage {
            self = .errorFrame(message)
            return
        }
        self = .chunk(reading)
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// The error class and sentence of a stream that carried an error object, for a response of `status`.
    public static func failure(errorFrame message: String, status: Int?) -> (ErrorClass, String) {
        (ErrorClassifier.classify(status: status ?? 200, body: message),
         "The server sent an error inside the stream: \(message.prefix(300))")
    }

    /// The error class of a stream that ended on its own: `stream_cut` when no finish reason came.
    public static func endOfStream(finishReason: String?, sawDone: Bool) -> (ErrorClass, String)? {
        guard finishReason == nil else { return nil }
        let how = sawDone ? "sent [DONE] without a finish reason" : "closed the stream without a finish reason"
        return (.streamCut, "The server \(how); the generation was cut off.")
    }
}
