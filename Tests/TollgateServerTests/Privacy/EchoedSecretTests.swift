import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateTraffic

/// A server that quotes the API key back in its error ("Incorrect API key provided: …"): the
/// classified error keeps the server's message, without the key, whatever its shape.
@Suite struct EchoedSecretTests {
    @Test func aKeyQuotedBackByTheServerNeverReachesTheSample() async throws {
        let upstream = try await TestUpstream.start(name: "echo")
        let http = ModelClient.makeHTTPClient(concurrency: 2)
        // No `sk-` prefix or other shape a pattern could catch: only its value identifies it.
        let key = "team-7f3a9c2e81d64b05"
        do {
            let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: upstream.url + "/unauthorized/v1", apiKey: key))
            let body: JSONValue = .object(["messages": .array([.object(["role": .string("user"), "content": .string("hi")])]), "stream": .bool(true)])
            let result = await client.send(body, requestID: "r1", arm: .candidate)
            #expect(result.sample.httpStatus == 401)
            #expect(result.sample.errorClass != nil)
            let message = try #require(result.sample.errorMessage)
            #expect(!message.contains(key), "\(message)")
            #expect(message.contains("Incorrect API key provided: [SECRET]"), "\(message)")
            #expect(!(result.sample.responseText ?? "").contains(key))
        } catch { Issue.record(error) }
        try? await http.shutdown()
        await upstream.stop()
    }

    @Test func scrubbingReplacesEveryOccurrenceLongestFirst() {
        #expect(SecretScrubbing.scrub("a abc b abcdef c", removing: ["abc", "abcdef", ""]) == "a [SECRET] b [SECRET] c")
        #expect(SecretScrubbing.scrub("nothing here", removing: ["abc"]) == "nothing here")
        #expect(SecretScrubbing.scrub(nil as String?, removing: ["abc"]) == nil)
    }
}
