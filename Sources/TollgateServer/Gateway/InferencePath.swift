import TollgateCore

/// Which requests are model inference: the gateway measures, samples and mirrors only these
/// (`POST` to chat completions, completions, embeddings or responses, with or without a version
/// prefix such as `/v1`). Everything else (`GET /v1/models`, `/v1/models/{id}`, health checks of
/// the model server) is passed through to the chosen arm without a sample.
enum InferencePath {
    /// An inference path, and the API whose answers it carries: `nil` for one whose shape
    /// Tollgate does not read (`/responses`).
    struct Inference: Equatable {
        var api: ModelAPI?
    }

    /// The inference paths by their ending, the one list of them (`/chat/completions` is
    /// matched before `/completions`).
    static let endings: [(suffix: String, api: ModelAPI?)] = [
        ("/chat/completions", .chat), ("/completions", .completions), ("/embeddings", .embeddings), ("/responses", nil),
    ]

    /// The path of a request target: what comes before `?`.
    static func path(ofURI uri: String) -> Substring {
        guard let query = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return uri[...] }
        return uri[..<query]
    }

    /// What a `POST` to `path` is: inference (of which API), or `nil` when it is not inference.
    /// Trailing slashes do not count (a lone `/` stays).
    static func inference(_ path: Substring) -> Inference? {
        var bytes = path.utf8
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes = bytes.dropLast() }
        for ending in endings {
            let count = ending.suffix.utf8.count
            if bytes.count >= count, bytes.suffix(count).elementsEqual(ending.suffix.utf8) { return Inference(api: ending.api) }
        }
        return nil
    }
}
