import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// A small upstream for gateway tests, serving on 127.0.0.1 with an OS-chosen port. Every answer
/// carries `x-upstream: NAME`. Paths:
/// - `/echo`: answers with the request body, and the request's header names in `x-seen-headers`;
/// - `/v1/chat/completions`: an OpenAI-style SSE stream of `?chunks=N` content chunks `?gap=MS` apart;
/// - `/status?code=N`: answers with that status and a JSON error body;
/// - `/x`, `/slow`, `/v1/models`: `{"ok":true}` after the upstream's `delay`;
/// - `POST /v1/completions` (an inference path the gateway measures): a completion after the
///   upstream's `delay`, or with `?code=N` that status and a JSON error body; with `?early=1`
///   it answers without reading the request body first;
/// - `POST /v1/embeddings`: answers with the request body (an inference path that echoes);
/// - `POST /unauthorized/v1/chat/completions`: 401 with an error message that quotes the bearer
///   key back, as some servers do.
final class TestUpstream: Sendable {
    let name: String
    let port: Int
    private let task: Task<Void, any Error>
    private let log: NIOLockedValueBox<[SeenRequest]>

    /// One request the upstream received: its path and headers (names lowercased).
    struct SeenRequest: Sendable {
        var path: String
        var headers: [String: String]
    }

    /// Every request received so far, in order.
    var seen: [SeenRequest] { log.withLockedValue { $0 } }

    var url: String { "http://127.0.0.1:\(port)" }

    private init(name: String, port: Int, task: Task<Void, any Error>, log: NIOLockedValueBox<[SeenRequest]>) {
        self.name = name
        self.port = port
        self.task = task
        self.log = log
    }

    static func start(name: String, delay: Duration = .zero) async throws -> TestUpstream {
        let router = Router()
        let nameHeader = HTTPField.Name("x-upstream")!
        let log = NIOLockedValueBox<[SeenRequest]>([])
        router.middlewares.add(NameMiddleware(header: nameHeader, name: name, log: log))
        router.on("/echo", method: .post) { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 64 << 20)
            var headers = HTTPFields()
            headers[HTTPField.Name("x-seen-headers")!] = request.headers.map { $0.name.canonicalName }.joined(separator: ",")
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
        }
        router.post("/v1/chat/completions") { request, _ -> Response in
            let chunks = request.uri.queryParameters.get("chunks", as: Int.self) ?? 5
            let gap = request.uri.queryParameters.get("gap", as: Int.self) ?? 20
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n"))
                for index in 0..<chunks {
                    try await Task.sleep(for: .milliseconds(gap))
                    let finish = index == chunks - 1 ? "\"stop\"" : "null"
                    try await writer.write(ByteBuffer(string: "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t\(index) \"},\"finish_reason\":\(finish)}]}\n\n"))
                }
                try await writer.write(ByteBuffer(string: "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":\(chunks)}}\n\ndata: [DONE]\n\n"))
                try await writer.finish(nil)
            })
        }
        router.get("/status") { request, _ -> Response in
            let code = request.uri.queryParameters.get("code", as: Int.self) ?? 500
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .init(code: code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":{\"message\":\"failing on purpose\"}}")))
        }
        let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
            if delay > .zero { try await Task.sleep(for: delay) }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"ok\":true}")))
        }
        router.post("/v1/completions") { request, _ -> Response in
            var request = request
            // `?early=1` answers before reading the body, as nginx's `return` does.
            if request.uri.queryParameters.get("early") == nil { _ = try await request.collectBody(upTo: 64 << 20) }
            if delay > .zero { try await Task.sleep(for: delay) }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            if let code = request.uri.queryParameters.get("code", as: Int.self) {
                return Response(status: .init(code: code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":{\"message\":\"failing on purpose\"}}")))
            }
            let text = #"{"object":"text_completion","choices":[{"index":0,"text":"ok","finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.post("/v1/embeddings") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 64 << 20)
            return Response(status: .ok, body: ResponseBody(byteBuffer: body))
        }
        router.post("/unauthorized/v1/chat/completions") { request, _ -> Response in
            let key = request.headers[.authorization].map { String($0.dropFirst("Bearer ".count)) } ?? ""
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let body = #"{"error":{"message":"Incorrect API key provided: \#(key). Check your key.","type":"invalid_request_error"}}"#
            return Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        for path in ["/x", "/slow", "/v1/models"] {
            router.get(RouterPath(path), use: answer)
            router.post(RouterPath(path), use: answer)
        }

        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }
        )
        let task = Task { try await app.run() }
        for await port in ports {
            return TestUpstream(name: name, port: port, task: task, log: log)
        }
        try await task.value
        throw CancellationError()
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

private struct NameMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let header: HTTPField.Name
    let name: String
    let log: NIOLockedValueBox<[TestUpstream.SeenRequest]>
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { a, b in a + ", " + b })
        log.withLockedValue { $0.append(.init(path: request.uri.path, headers: headers)) }
        var response = try await next(request, context)
        response.headers[header] = name
        return response
    }
}
