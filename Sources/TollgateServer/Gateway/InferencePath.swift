import HTTPTypes

/// Which requests are model inference: the gateway measures, samples and mirrors only these
/// (`POST` to chat completions, completions, embeddings or responses, with or without a version
/// prefix such as `/v1`). Everything else (`GET /v1/models`, `/v1/models/{id}`, health checks of
/// the model server) is passed through to the chosen arm without a sample.
enum InferencePath {
    static let suffixes = ["/chat/completions", "/completions", "/embeddings", "/responses"]

    static func matches(method: HTTPRequest.Method, path: String) -> Bool {
        guard method == .post else { return false }
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return suffixes.contains { path.hasSuffix($0) }
    }
}
