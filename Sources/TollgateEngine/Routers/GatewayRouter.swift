public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A router that drives Tollgate's own gateway through its admin API
/// (`PUT /admin/weights` with a bearer token), in-process or across the network.
public struct GatewayRouter: TrafficRouter {
    /// The gateway's base URL, for example `http://127.0.0.1:9100`.
    public var adminURL: String
    public var token: String
    public var timeout: Duration
    let client: HTTPClient

    /// - Parameters:
    ///   - adminURL: the gateway's base URL (scheme, host, port); the admin paths are appended.
    ///   - token: the bearer token the gateway was started with.
    ///   - client: the process's HTTP client (owned and shut down by the caller).
    public init(adminURL: String, token: String, client: HTTPClient, timeout: Duration = .seconds(10)) {
        self.adminURL = adminURL.hasSuffix("/") ? String(adminURL.dropLast()) : adminURL
        self.token = token
        self.client = client
        self.timeout = timeout
    }

    public var summary: String { "gateway \(adminURL)" }

    /// The weights document the admin API reads and writes.
    struct Weights: Codable {
        var candidate: Int
        var baseline: Int?
        var mirror: Int?
    }

    public func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        try Self.validate(candidatePercent)
        let body = try JSONEncoder().encode(Weights(candidate: candidatePercent))
        let answer = try await call(.PUT, body: body)
        guard answer.candidate == candidatePercent else {
            throw RouterError.unexpectedAnswer(router: "gateway", answer: "asked for \(candidatePercent) %, the gateway reports \(answer.candidate) %")
        }
        return RouterReceipt(router: "gateway", candidatePercent: candidatePercent, detail: "PUT \(adminURL)/admin/weights {\"candidate\":\(candidatePercent)}")
    }

    public func currentWeight() async throws -> Int? {
        try await call(.GET, body: nil).candidate
    }

    private func call(_ method: HTTPMethod, body: Data?) async throws -> Weights {
        var request = HTTPClientRequest(url: adminURL + "/admin/weights")
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let text: String
        do {
            response = try await client.execute(request, timeout: .nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            text = String(buffer: try await response.body.collect(upTo: 1 << 16))
        } catch {
            throw RouterError.unreachable(router: "gateway", target: adminURL, reason: "\(error)")
        }
        if response.status == .unauthorized { throw RouterError.unauthorized(target: adminURL) }
        guard response.status == .ok, let weights = try? JSONDecoder().decode(Weights.self, from: Data(text.utf8)) else {
            throw RouterError.unexpectedAnswer(router: "gateway", answer: "HTTP \(response.status.code): \(text)")
        }
        return weights
    }
}
