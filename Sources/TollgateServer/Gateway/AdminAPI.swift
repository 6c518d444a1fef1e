import Foundation
import NIOCore
import NIOHTTP1
import TollgateCore

/// The gateway's admin API: `GET`/`PUT /admin/weights` and `GET /admin/stats`, behind a bearer
/// token compared in constant time.
struct AdminAPI: Sendable {
    let token: String?
    let split: TrafficSplit
    let metrics: GatewayMetrics
    let samples: SampleBatchWriter?
    /// The admin token's request limit (429 with `Retry-After` beyond), the limiter `serve` uses.
    var limiter: RateLimiter? = RateLimiter(limit: .standard)
    /// How long a `PUT` body may take to arrive (408 beyond): a slow client cannot hold the connection.
    var readTimeout: Duration = GatewayConfiguration.defaultAdminReadTimeout

    /// The body of `GET`/`PUT /admin/weights`. On `PUT` either field may be left out.
    struct WeightsDocument: Codable, Sendable, Equatable {
        var candidate: Int?
        var baseline: Int?
        var mirror: Int?
    }

    /// The body of `GET /admin/stats`.
    struct Stats: Codable, Sendable {
        struct ArmStats: Codable, Sendable {
            var requests: Int
            var inFlight: Int
            var statuses: [String: Int]
            var errors: [String: Int]
            var meanLatencyMs: Double?
            var meanTTFTMs: Double?
        }
        var weights: WeightsDocument
        var uptimeSeconds: Double
        var arms: [String: ArmStats]
        var mirror: GatewayMetrics.Mirror
        var rejected: [String: Int]
        var stickyMisses: Int
        /// Requests that are not inference, passed through without a sample, per arm.
        var passedThrough: [String: Int]
        var samples: SampleBatchWriter.Counters?
    }

    /// The largest body `PUT /admin/weights` reads (a weights document is a few dozen bytes).
    static let maxBodyBytes = 1 << 12

    /// One answer of the admin API (and of the gateway's other own paths).
    struct Reply {
        var status: HTTPResponseStatus
        var headers = HTTPHeaders()
        var contentType = "application/json"
        var body: String
        /// Close the connection after the answer (the body was not read).
        var close = false
    }

    /// The answer to an admin request that needs no body: everything but an authorized, admitted
    /// `PUT /admin/weights` of acceptable declared size, for which it is `nil` (read the body, then
    /// call ``putWeights(body:)``).
    func answerBeforeBody(method: HTTPMethod, path: Substring, headers: HTTPHeaders) -> Reply? {
        guard let token else {
            return Reply(status: .forbidden, body: UpstreamFailure.jsonBody(message: "The admin API is off: start the gateway with --admin-token-env naming a variable that holds a token.", code: "admin_disabled", arm: nil))
        }
        guard Self.authorized(headers.first(name: "authorization"), token: token) else {
            var reply = Reply(status: .unauthorized, body: UpstreamFailure.jsonBody(message: "Send the admin token as `Authorization: Bearer <token>`.", code: "unauthorized", arm: nil))
            reply.headers.add(name: "www-authenticate", value: "Bearer realm=\"tollgate\"")
            return reply
        }
        if let wait = limiter?.admit("admin") {
            var reply = Reply(status: .tooManyRequests, body: UpstreamFailure.jsonBody(message: "Too many admin requests; retry after \(RateLimiter.retryAfterHeader(wait)) s.", code: "rate_limited", arm: nil))
            reply.headers.add(name: "retry-after", value: RateLimiter.retryAfterHeader(wait))
            return reply
        }
        switch (method, path) {
        case (.GET, "/admin/weights"):
            return Reply(status: .ok, body: encode(document(split.weights)))
        case (.PUT, "/admin/weights"):
            if let declared = headers.first(name: "content-length").flatMap({ Int($0) }), declared > Self.maxBodyBytes {
                return Reply(status: .payloadTooLarge, body: UpstreamFailure.jsonBody(message: "The body of PUT /admin/weights is at most \(Self.maxBodyBytes) bytes.", code: "too_large", arm: nil), close: true)
            }
            return nil
        case (.GET, "/admin/stats"):
            return Reply(status: .ok, body: encode(stats()))
        case (_, "/admin/weights"), (_, "/admin/stats"):
            var reply = Reply(status: .methodNotAllowed, body: UpstreamFailure.jsonBody(message: "\(method) \(path) is not an admin endpoint; there are GET/PUT /admin/weights and GET /admin/stats.", code: "method_not_allowed", arm: nil))
            reply.headers.add(name: "allow", value: path == "/admin/weights" ? "GET, PUT" : "GET")
            return reply
        default:
            return Reply(status: .notFound, body: UpstreamFailure.jsonBody(message: "No admin endpoint \(method) \(path); there are GET/PUT /admin/weights and GET /admin/stats.", code: "not_found", arm: nil))
        }
    }

    /// `PUT /admin/weights` with its whole body.
    func putWeights(body: ByteBuffer) -> Reply {
        guard let change = try? JSONDecoder().decode(WeightsDocument.self, from: Data(body.readableBytesView)) else {
            return badRequest("The body must be JSON like {\"candidate\": 25} or {\"mirror\": 10}.")
        }
        let candidate = change.candidate ?? change.baseline.map { 100 - $0 }
        guard candidate != nil || change.mirror != nil else {
            return badRequest("Give `candidate` (or `baseline`) and/or `mirror` as percentages.")
        }
        for value in [candidate, change.mirror].compactMap({ $0 }) where !(0...100).contains(value) {
            return badRequest("Weights are percentages from 0 to 100; got \(value).")
        }
        return Reply(status: .ok, body: encode(document(split.set(candidate: candidate, mirror: change.mirror))))
    }

    func stats() -> Stats {
        let s = metrics.snapshot
        var arms: [String: Stats.ArmStats] = [:]
        for arm in Arm.allCases {
            let statuses = s.requests[arm] ?? [:]
            arms[arm.rawValue] = Stats.ArmStats(
                requests: statuses.values.reduce(0, +),
                inFlight: s.inFlight[arm] ?? 0,
                statuses: Dictionary(uniqueKeysWithValues: statuses.map { (String($0.key), $0.value) }),
                errors: Dictionary(uniqueKeysWithValues: (s.errors[arm] ?? [:]).map { ($0.key.rawValue, $0.value) }),
                meanLatencyMs: s.e2e[arm].flatMap { $0.count > 0 ? $0.sum / Double($0.count) * 1000 : nil },
                meanTTFTMs: s.ttft[arm].flatMap { $0.count > 0 ? $0.sum / Double($0.count) * 1000 : nil }
            )
        }
        return Stats(
            weights: document(split.weights),
            uptimeSeconds: Date().timeIntervalSince(metrics.started),
            arms: arms,
            mirror: s.mirror,
            rejected: Dictionary(uniqueKeysWithValues: s.rejected.map { (String($0.key), $0.value) }),
            stickyMisses: s.stickyMisses,
            passedThrough: Dictionary(uniqueKeysWithValues: s.passedThrough.map { ($0.key.rawValue, $0.value) }),
            samples: samples?.counts
        )
    }

    private func document(_ weights: TrafficSplit.Weights) -> WeightsDocument {
        WeightsDocument(candidate: weights.candidate, baseline: 100 - weights.candidate, mirror: weights.mirror)
    }

    private func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func badRequest(_ message: String) -> Reply {
        Reply(status: .badRequest, body: UpstreamFailure.jsonBody(message: message, code: "bad_request", arm: nil))
    }

    /// Whether `header` is `Bearer <token>`. The comparison takes the same time wherever the first
    /// difference is (it always walks the longer of the two), so response timing does not leak
    /// how much of a guessed token was right.
    static func authorized(_ header: String?, token: String) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let given = Array(header.dropFirst(7).utf8)
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<max(given.count, expected.count) {
            let a = index < given.count ? given[index] : 0
            let b = index < expected.count ? expected[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}
