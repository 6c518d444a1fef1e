public import AsyncHTTPClient
import Foundation
public import TollgateCore
import NIOCore
import NIOHTTP1
import TollgateTraffic

/// A non-streamed JSON call to an OpenAI-compatible endpoint (judges, embeddings, tool-call cases,
/// context probes): posts a body, returns the parsed answer and how long it took. Measured traffic
/// goes through ``ModelClient``; this is for calls whose timing is not the point.
public struct JSONEndpoint: Sendable {
    public let httpClient: HTTPClient
    /// The full URL posted to (for example `http://127.0.0.1:8001/v1/chat/completions`).
    public let url: String
    public let apiKey: String?
    public let timeout: Duration

    public init(httpClient: HTTPClient, url: String, apiKey: String? = nil, timeout: Duration = .seconds(120)) {
        self.httpClient = httpClient
        self.url = url
        self.apiKey = apiKey
        self.timeout = timeout
    }

    /// Joins a base URL (`…/v1`, or a bare host) with an API path (`/chat/completions`), the way
    /// ``ModelEndpoint/requestURL`` does.
    public static func url(base: String, path: String) -> String {
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        if b.hasSuffix(path) { return b }
        if let c = URLComponents(string: b), c.path.isEmpty || c.path == "/" { return b + "/v1" + path }
        return b + path
    }

    /// What came back: HTTP status, the parsed body (when JSON) and the elapsed milliseconds.
    public struct Reply: Sendable {
        public var status: Int
        public var body: JSONValue?
        public var text: String
        public var elapsedMs: Double
    }

    /// Posts `body`; throws ``EvalError/endpointFailed(url:reason:)`` only when no HTTP answer arrived.
    public func post(_ body: JSONValue) async throws(EvalError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let apiKey { request.headers.add(name: "authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(string: body.jsonText))
        let start = ContinuousClock.now
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            let buffer = try await response.body.collect(upTo: 64 << 20)
            let data = Data(buffer.readableBytesView)
            let elapsed = start.duration(to: .now)
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let secrets = apiKey.map { [$0] } ?? []
            return Reply(status: Int(response.status.code), body: JSONValue.parse(data),
                         text: SecretScrubbing.scrub(String(decoding: data.prefix(2000), as: UTF8.self), removing: secrets), elapsedMs: ms)
        } catch {
            throw .endpointFailed(url: url, reason: SecretScrubbing.scrub("\(error)", removing: apiKey.map { [$0] } ?? []))
        }
    }

    /// Posts `body` and requires a 2xx JSON answer.
    public func postExpectingJSON(_ body: JSONValue) async throws(EvalError) -> JSONValue {
        let reply = try await post(body)
        guard (200..<300).contains(reply.status), let json = reply.body else {
            throw .endpointFailed(url: url, reason: "HTTP \(reply.status): \(reply.text.prefix(300))")
        }
        return json
    }

    /// The text of the first choice of a chat or completions answer.
    public static func answerText(_ body: JSONValue) -> String? {
        guard let choice = body["choices"]?.arrayValue?.first else { return nil }
        return choice["message"]?["content"]?.stringValue ?? choice["text"]?.stringValue
    }
}
