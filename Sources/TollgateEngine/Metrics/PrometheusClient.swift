public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import TollgateCore

/// One series of an instant query's answer: its labels and its value at the query time.
public struct PrometheusSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
}

/// One series of a range query's answer: its labels and its `(time, value)` points.
public struct PrometheusSeries: Sendable, Equatable {
    public var labels: [String: String]
    public var points: [(time: Date, value: Double)]

    public static func == (a: PrometheusSeries, b: PrometheusSeries) -> Bool {
        a.labels == b.labels && a.points.map(\.time) == b.points.map(\.time) && a.points.map(\.value) == b.points.map(\.value)
    }
}

/// Why a Prometheus query failed: the input was bad (the query, the token) or the world failed
/// (unreachable, timed out, a server error). Prometheus' own message is kept verbatim.
public enum PrometheusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pipeline names a token variable that is not set in the environment.
    case missingToken(variable: String)
    /// Nothing answered at the URL (connection refused, DNS, TLS).
    case unreachable(url: String, reason: String)
    /// No answer within the configured timeout.
    case timedOut(url: String, seconds: Double)
    /// HTTP 401/403: the token was refused.
    case unauthorized(url: String, status: Int)
    /// Prometheus refused the query (HTTP 400/422, `bad_data`/`execution`): the query is wrong.
    case badQuery(query: String, errorType: String, message: String)
    /// Prometheus failed (HTTP 5xx, `timeout`, `canceled`, `internal`, `unavailable`).
    case serverError(status: Int, errorType: String, message: String)
    /// An answer that is not Prometheus' JSON envelope (a proxy's page, a wrong URL).
    case unexpectedAnswer(url: String, status: Int, body: String)

    /// True when the input (pipeline, query, token) must change; false when the world failed and a retry may work.
    public var isInputError: Bool {
        switch self {
        case .missingToken, .unauthorized, .badQuery: return true
        case .unreachable, .timedOut, .serverError, .unexpectedAnswer: return false
        }
    }

    public var description: String {
        switch self {
        case .missingToken(let variable):
            return "The Prometheus token variable \(variable) is not set; export it or remove token_env."
        case .unreachable(let url, let reason):
            return "Prometheus at \(url) is unreachable: \(reason)."
        case .timedOut(let url, let seconds):
            return "Prometheus at \(url) did not answer within \(DurationText.format(.milliseconds(Int64(seconds * 1000))))."
        case .unauthorized(let url, let status):
            return "Prometheus at \(url) refused the token (HTTP \(status)); check token_env."
        case .badQuery(let query, let errorType, let message):
            return "Prometheus refused the query `\(query)` (\(errorType)): \(message)"
        case .serverError(let status, let errorType, let message):
            return "Prometheus failed (HTTP \(status), \(errorType)): \(message)"
        case .unexpectedAnswer(let url, let status, let body):
            return "\(url) did not answer as Prometheus' query API (HTTP \(status)): \(body.prefix(200))"
        }
    }
}

/// A client of Prometheus' HTTP query API (`/api/v1/query`, `/api/v1/query_range`), with an
/// optional bearer token and a timeout per call. The `HTTPClient` is the process's, owned by the caller.
public struct PrometheusClient: Sendable {
    /// Prometheus' base URL, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept).
    public let url: String
    let token: String?
    public let timeout: Duration
    let client: HTTPClient

    public init(url: String, token: String?, timeout: Duration = .seconds(10), client: HTTPClient) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.timeout = timeout
        self.client = client
    }

    /// Reads the token from `variable` in `environment`; `nil` variable means no token.
    public static func token(variable: String?, environment: [String: String]) throws -> String? {
        guard let variable else { return nil }
        guard let token = environment[variable], !token.isEmpty else { throw PrometheusError.missingToken(variable: variable) }
        return token
    }

    /// Evaluates `query` at `time` (an instant vector or a scalar, as one unlabelled sample).
    public func query(_ query: String, at time: Date) async throws -> [PrometheusSample] {
        let data = try await get("/api/v1/query", ["query": query, "time": Self.timestamp(time)], query: query)
        switch data.resultType {
        case "vector":
            return try (data.result ?? []).map { item in
                guard let value = item.value else { throw PrometheusError.unexpectedAnswer(url: url, status: 200, body: "a vector sample without a value") }
                return PrometheusSample(labels: item.metric ?? [:], value: try Self.number(value.1, url))
            }
        case "scalar":
            guard let scalar = data.scalar else { return [] }
            return [PrometheusSample(labels: [:], value: try Self.number(scalar.1, url))]
        default:
            throw PrometheusError.unexpectedAnswer(url: url, status: 200, body: "an instant query answered with a \(data.resultType)")
        }
    }

    /// Evaluates `query` from `start` to `end` every `step`.
    public func queryRange(_ query: String, start: Date, end: Date, step: Duration) async throws -> [PrometheusSeries] {
        let data = try await get("/api/v1/query_range", ["query": query, "start": Self.timestamp(start), "end": Self.timestamp(end),
                                                         "step": String(DurationText.seconds(step))], query: query)
        guard data.resultType == "matrix" else {
            throw PrometheusError.unexpectedAnswer(url: url, status: 200, body: "a range query answered with a \(data.resultType)")
        }
        return try (data.result ?? []).map { item in
            PrometheusSeries(labels: item.metric ?? [:], points: try (item.values ?? []).map {
                (Date(timeIntervalSince1970: $0.0), try Self.number($0.1, url))
            })
        }
    }

    // MARK: The wire

    /// `[time, "value"]` as Prometheus writes each point.
    struct Point: Decodable {
        var time: Double
        var text: String
        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            time = try c.decode(Double.self)
            text = try c.decode(String.self)
        }
        var pair: (Double, String) { (time, text) }
    }

    struct Item: Decodable {
        var metric: [String: String]?
        var value: (Double, String)?
        var values: [(Double, String)]?
        enum CodingKeys: String, CodingKey { case metric, value, values }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            metric = try c.decodeIfPresent([String: String].self, forKey: .metric)
            value = try c.decodeIfPresent(Point.self, forKey: .value)?.pair
            values = try c.decodeIfPresent([Point].self, forKey: .values)?.map(\.pair)
        }
    }

    struct ResultData: Decodable {
        var resultType: String
        var result: [Item]?
        var scalar: (Double, String)?
        enum CodingKeys: String, CodingKey { case resultType, result }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            resultType = try c.decode(String.self, forKey: .resultType)
            if resultType == "scalar" || resultType == "string" {
                scalar = try c.decode(Point.self, forKey: .result).pair
            } else {
                result = try c.decode([Item].self, forKey: .result)
            }
        }
    }

    struct Envelope: Decodable {
        var status: String
        var data: ResultData?
        var errorType: String?
        var error: String?
    }

    private func get(_ path: String, _ parameters: [String: String], query: String) async throws -> ResultData {
        var components = URLComponents()
        components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        // `+` is a space in a query string: encode it (and the rest URLComponents leaves alone) for PromQL.
        let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        var request = HTTPClientRequest(url: url + path + "?" + encoded)
        request.method = .GET
        request.headers.add(name: "accept", value: "application/json")
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        let seconds = DurationText.seconds(timeout)
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(seconds * 1e9)))
            body = try await response.body.collect(upTo: 64 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw PrometheusError.timedOut(url: url, seconds: seconds)
        } catch {
            throw PrometheusError.unreachable(url: url, reason: "\(error)")
        }
        let status = Int(response.status.code)
        if status == 401 || status == 403 { throw PrometheusError.unauthorized(url: url, status: status) }
        let text = String(buffer: body)
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(text.utf8)) else {
            throw PrometheusError.unexpectedAnswer(url: url, status: status, body: text)
        }
        guard envelope.status == "success", let data = envelope.data else {
            let type = envelope.errorType ?? "error", message = envelope.error ?? text
            if status == 400 || status == 422 || type == "bad_data" || type == "execution" {
                throw PrometheusError.badQuery(query: query, errorType: type, message: message)
            }
            throw PrometheusError.serverError(status: status, errorType: type, message: message)
        }
        return data
    }

    static func timestamp(_ date: Date) -> String { String(format: "%.3f", date.timeIntervalSince1970) }

    static func number(_ text: String, _ url: String) throws -> Double {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard let v = Double(text) else { throw PrometheusError.unexpectedAnswer(url: url, status: 200, body: "a sample value '\(text)'") }
            return v
        }
    }
}

extension PrometheusError: ClassifiedError {
    /// The query and the token are the user's; an unreachable, slow or failing server is the world's.
    public var kind: FailureKind {
        switch self {
        case .missingToken, .unauthorized, .badQuery: return .badInput
        case .unreachable, .timedOut, .serverError, .unexpectedAnswer: return .operational
        }
    }
}
