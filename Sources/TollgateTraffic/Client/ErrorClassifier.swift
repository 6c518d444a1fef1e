import Foundation
public import TollgateCore

/// Maps what a server sent (status and error text) to an ``ErrorClass``.
///
/// Messages are matched on phrases real servers use: OpenAI and vLLM (`maximum context length`,
/// `context_length_exceeded`), llama.cpp (`exceeds the available context size`), TGI
/// (`Input validation error: ... must have less than`), and CUDA/PyTorch out-of-memory messages.
public enum ErrorClassifier {
    /// The class of an HTTP error response, or of an error frame inside a stream (`status` 200).
    public static func classify(status: Int, body: String) -> ErrorClass {
        let text = body.lowercased()
        if status == 429 { return .http429 }
        if isContextLength(text) { return .contextLength }
        if isOutOfMemory(text) { return .oom }
        if status == 404 || isModelNotFound(text) { return .modelNotFound }
        if (400..<500).contains(status) { return .http4xx }
        return .http5xx
    }

    static func isContextLength(_ text: String) -> Bool {
        ["context_length_exceeded", "maximum context length", "context length", "context window",
         "exceeds the available context size", "prompt is too long", "input is too long",
         "too many tokens", "must have less than"].contains { text.contains($0) }
    }

    static func isOutOfMemory(_ text: String) -> Bool {
        ["out of memory", "out_of_memory", "outofmemoryerror", "cuda error: out of memory", "oomkilled"]
            .contains { text.contains($0) }
    }

    static func isModelNotFound(_ text: String) -> Bool {
        text.contains("model_not_found") || (text.contains("model") && (text.contains("does not exist") || text.contains("not found")))
    }
}
