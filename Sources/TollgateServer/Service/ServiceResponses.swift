import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TollgateCore
import TollgateStore

/// JSON responses of `tollgate serve` (``JSONOutput``'s convention, the one `--json` prints), with
/// errors as `{"error": {"code", "message"}}`.
enum ServiceResponse {
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let data = (try? JSONOutput.encoder(compact: true).encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable { var code: String; var message: String }
        var error: Detail
    }

    static func error(_ status: HTTPResponse.Status, code: String, _ message: String) -> Response {
        json(status, ErrorBody(error: .init(code: code, message: message)))
    }

    static func text(_ body: String, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The body size a request announces, checked before the body is read (serve and the gateway's
/// admin API answer 413 at once instead of waiting for bytes that will be refused anyway).
enum DeclaredBodySize {
    /// Whether `Content-Length` announces more than `limit` bytes (an unparsable one counts as
    /// too large: it cannot be honoured).
    static func exceeds(_ headers: HTTPFields, limit: Int) -> Bool {
        guard let declared = headers[.contentLength] else { return false }
        guard let bytes = Int(declared.trimmingCharacters(in: .whitespaces)) else { return true }
        return bytes > limit
    }
}

/// Guards every route but `/health` and `/ready`: requires one of the service's bearer tokens
/// (401 otherwise), admits the request through that token's rate limit (429 with `Retry-After`
/// otherwise), reads the body within ``readTimeout`` (408 otherwise, against slow clients), and
/// writes an audit event (token name, method, path, status) for every state-changing call.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: ServiceTokens
    let limiter: RateLimiter?
    let readTimeout: Duration
    let maxBodyBytes: Int
    let store: RunStore
    let counters: ServiceCounters
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/health" || path == "/ready" { return try await next(request, context) }
        guard let name = tokens.name(forAuthorization: request.headers[.authorization]) else {
            if let refused = counters.noteAuthFailure() {
                // Never the token itself: only that one was missing or wrong.
                logger.warning("refused \(refused) request\(refused == 1 ? "" : "s") without a valid token (latest: \(request.method) \(path)); next report in \(Int(ServiceCounters.authLogInterval)) s at the earliest")
            }
            var response = ServiceResponse.error(.unauthorized, code: "unauthorized", "Send a service token as `Authorization: Bearer <token>`.")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"tollgate\""
            return response
        }
        if let wait = limiter?.admit(name) {
            var response = ServiceResponse.error(.tooManyRequests, code: "rate_limited",
                                                 "Too many requests for the token '\(name)'; retry after \(RateLimiter.retryAfterHeader(wait)) s.")
            response.headers[.retryAfter] = RateLimiter.retryAfterHeader(wait)
            return response
        }
        var request = request
        if request.method != .get, request.method != .head {
            if DeclaredBodySize.exceeds(request.headers, limit: maxBodyBytes) {
                // Refused on the head: a client announcing 100 GB is not waited for.
                var response = ServiceResponse.error(.contentTooLarge, code: "too_large",
                                                     "The request body is larger than the service accepts (\(maxBodyBytes) bytes).")
                response.headers[.connection] = "close"
                return response
            }
            guard try await SlowClientGuard.collect(&request, upTo: maxBodyBytes, within: readTimeout) else {
                var response = ServiceResponse.error(.requestTimeout, code: "timeout", "The request body did not arrive within \(DurationText.format(readTimeout)).")
                response.headers[.connection] = "close"
                return response
            }
        }
        let response = try await next(request, context)
        if request.method != .get, request.method != .head {
            try? store.recordAudit(AuditEvent(at: Date(), token: name, method: request.method.rawValue, path: path,
                                              status: response.status.code))
        }
        return response
    }
}

/// Turns a body over the limit (Hummingbird's 413) into a JSON error too.
struct BodyLimitErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            var response = ServiceResponse.error(.contentTooLarge, code: "too_large", "The request body is larger than the service accepts.")
            response.headers[.connection] = "close"
            return response
        }
    }
}

/// Reads a request's body against slow clients: `serve`'s API gives up on a body that does not
/// arrive in time (408), so a client cannot hold a connection open by sending it a byte at a time.
/// (The gateway's admin API, served on SwiftNIO directly, keeps the same rule with a timer on its
/// connection: `GatewayConnection`.)
enum SlowClientGuard {
    /// Collects the body into the request, or gives up (false) when it takes longer than `timeout`.
    static func collect(_ request: inout Request, upTo limit: Int, within timeout: Duration) async throws -> Bool {
        let body = request.body
        let collected: ByteBuffer? = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let collected else { return false }
        request.body = RequestBody(buffer: collected)
        return true
    }
}
