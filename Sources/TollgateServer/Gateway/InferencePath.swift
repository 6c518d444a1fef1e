import HTTPTypes
import TollgateCore

/// Which requests are model inference: the gateway measures, samples and mirrors only these
/// (`POST` to chat completions, completions, embeddings or responses, with or without a version
/// prefix such as `/v1`). Everything else (`GET /v1/models`, `/v1/models/{id}`, health checks of
/// the model server) is passed through to the chosen arm without a sample.
enum InferencePath {
    static let suffixes = ["/chat/completions", "/completions", "/embeddings", "/responses"]

    /// The API whose answers a path carries, `nil` for one whose shape Tollgate does not read
    /// (`/responses`).
    static func api(of path: String) -> ModelAPI? {
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        if path.hasSuffix("/chat/completions") { return .chat }
        if path.hasSuffix("/completions") { return .completions }
        if path.hasSuffix("/embeddings") { return .embeddings }
        return nil
    }

    static func matches(method: HTTPRequest.Method, path: String) -> Bool {
        method == .post && matches(path: Substring(path))
    }

    /// Whether a `POST` to `path` is inference.
    static func matches(path: Substring) -> Bool {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return suffixes.contains { path.hasSuffix($0) }
    }
}
