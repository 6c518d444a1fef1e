import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON responses of `tollgate serve`, with errors as `{"error": {"code", "message"}}`.
enum ServiceResponse {
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
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

/// Requires `Authorization: Bearer <token>` (constant-time comparison) on every route but
/// `/health` and `/ready`; answers 401 with a JSON error otherwise.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/health" || path == "/ready" { return try await next(request, context) }
        guard AdminAPI.authorized(request.headers[.authorization], token: token) else {
            var response = ServiceResponse.error(.unauthorized, code: "unauthorized", "Send the service token as `Authorization: Bearer <token>`.")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"tollgate\""
            return response
        }
        return try await next(request, context)
    }
}

/// Turns a body over the limit (Hummingbird's 413) into a JSON error too.
struct BodyLimitErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return ServiceResponse.error(.contentTooLarge, code: "too_large", "The request body is larger than the service accepts.")
        }
    }
}
