import Testing
import TollgateCore
@testable import TollgateServer

@Suite("Inference paths")
struct InferencePathTests {
    @Test(arguments: [
        ("/v1/chat/completions", ModelAPI?.some(.chat)), ("/chat/completions/", .chat), ("/openai/v1/completions", .completions),
        ("/v1/embeddings//", .embeddings), ("/v1/responses", nil),
    ])
    func inferencePathsNameTheirAPI(path: String, api: ModelAPI?) {
        #expect(InferencePath.inference(path[...]) == .init(api: api))
    }

    @Test(arguments: ["/", "/v1/models", "/v1/models/m", "/health", "/v1/chat/completions-x", "completions-list"])
    func otherPathsAreNotInference(path: String) {
        #expect(InferencePath.inference(path[...]) == nil)
    }

    @Test func theQueryIsNotPartOfThePath() {
        #expect(InferencePath.path(ofURI: "/v1/chat/completions?api-version=2") == "/v1/chat/completions")
        #expect(InferencePath.path(ofURI: "/v1/models") == "/v1/models")
    }
}
