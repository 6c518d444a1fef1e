import Foundation

/// Everything a ``Gateway`` needs to know: where it listens, the two upstreams, the initial split
/// and mirror share, stickiness, limits and timeouts, and the admin token.
public struct GatewayConfiguration: Sendable {
    /// Address to listen on; port 0 lets the system choose (read it from ``RunningGateway/port``).
    public var host: String
    public var port: Int
    public var baseline: Upstream
    public var candidate: Upstream
    /// Share of user requests routed to the candidate, in percent (0...100).
    public var candidatePercent: Int
    /// Share of baseline-routed requests also copied to the candidate as shadow traffic, in percent.
    public var mirrorPercent: Int
    public var stickiness: Stickiness
    /// Largest request body accepted; larger ones get HTTP 413.
    public var maxBodyBytes: Int
    /// Time allowed to connect to an upstream (502 `connect` when it passes).
    public var connectTimeout: Duration
    /// Time allowed from sending the request until the upstream's response head arrives (504).
    public var responseTimeout: Duration
    /// Time the upstream may stay silent in the middle of a response body (the stream is cut).
    public var idleTimeout: Duration
    /// Key sent as `Authorization: Bearer <key>` with shadow copies; the user's own credentials
    /// (`Authorization`, `Cookie`, `X-Api-Key`, `Api-Key`) are never mirrored. Defaults to the
    /// candidate's ``Upstream/apiKey``; `nil` sends shadow copies without credentials.
    public var mirrorAPIKey: String?
    /// Bearer token the admin API requires; `nil` turns the admin API off (403).
    public var adminToken: String?
    /// How long the body of an admin `PUT` may take to arrive before the gateway answers 408.
    public var adminReadTimeout: Duration = GatewayConfiguration.defaultAdminReadTimeout
    /// ``adminReadTimeout`` unless set: the same 10 s `serve` allows.
    public static let defaultAdminReadTimeout: Duration = .seconds(10)
    /// Mirrored requests waiting to be sent; further ones are dropped and counted.
    public var mirrorQueueCapacity: Int
    /// Mirrored requests in flight at once.
    public var mirrorConcurrency: Int
    /// Largest number of idle keep-alive connections kept per upstream and event loop, and the
    /// connection limit of the shadow mirror's client.
    public var upstreamConnectionsPerHost: Int

    public init(
        host: String = "127.0.0.1", port: Int = 0,
        baseline: Upstream, candidate: Upstream,
        candidatePercent: Int = 0, mirrorPercent: Int = 0,
        stickiness: Stickiness = Stickiness(),
        maxBodyBytes: Int = 4 << 20,
        connectTimeout: Duration = .seconds(5),
        responseTimeout: Duration = .seconds(120),
        idleTimeout: Duration = .seconds(60),
        adminToken: String? = nil,
        mirrorAPIKey: String? = nil,
        mirrorQueueCapacity: Int = 256,
        mirrorConcurrency: Int = 16,
        upstreamConnectionsPerHost: Int = 512
    ) {
        self.host = host
        self.port = port
        self.baseline = baseline
        self.candidate = candidate
        self.candidatePercent = candidatePercent
        self.mirrorPercent = mirrorPercent
        self.stickiness = stickiness
        self.maxBodyBytes = maxBodyBytes
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.idleTimeout = idleTimeout
        self.adminToken = adminToken
        self.mirrorAPIKey = mirrorAPIKey ?? candidate.apiKey
        self.mirrorQueueCapacity = mirrorQueueCapacity
        self.mirrorConcurrency = mirrorConcurrency
        self.upstreamConnectionsPerHost = upstreamConnectionsPerHost
    }

    /// Checks the values a user can get wrong; throws ``ServerError/invalidConfiguration(_:)``.
    public func validate() throws {
        guard (0...100).contains(candidatePercent) else {
            throw ServerError.invalidConfiguration("the candidate weight must be from 0 to 100, not \(candidatePercent).")
        }
        guard (0...100).contains(mirrorPercent) else {
            throw ServerError.invalidConfiguration("the mirror share must be from 0 to 100 percent, not \(mirrorPercent).")
        }
        guard maxBodyBytes > 0, mirrorQueueCapacity > 0, mirrorConcurrency > 0, upstreamConnectionsPerHost > 0 else {
            throw ServerError.invalidConfiguration("the body limit, mirror queue, mirror concurrency and connection limit must be positive.")
        }
        guard (0...65535).contains(port) else {
            throw ServerError.invalidConfiguration("the port must be from 0 to 65535, not \(port).")
        }
        if let adminToken, adminToken.isEmpty {
            throw ServerError.invalidConfiguration("the admin token is empty; set the variable to a secret or leave the admin API off.")
        }
        // The keys go into request headers as they are (the gateway's HTTP encoders do not
        // re-validate headers on the hot path), so a line break in one must stop here.
        for (name, key) in [("baseline", baseline.apiKey), ("candidate", candidate.apiKey), ("mirror", mirrorAPIKey)] {
            if let key, key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw ServerError.invalidConfiguration("the \(name) API key contains a control character (a line break?); set it without one.")
            }
        }
    }
}

/// One upstream model server: its base URL, whose path (like `/v1`) prefixes forwarded paths
/// unless the request path already starts with it.
public struct Upstream: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash (`""` or `/v1`).
    public var basePath: String
    /// Replaces the client's `Authorization` header with `Bearer <key>` when set (for an
    /// upstream that needs its own API key).
    public var apiKey: String?

    /// Parses `http://host:port[/prefix]`; throws ``ServerError/invalidConfiguration(_:)``.
    public init(url: String, apiKey: String? = nil) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ServerError.invalidConfiguration("'\(url)' is not an http(s) URL with a host, like http://127.0.0.1:8001/v1.")
        }
        self.scheme = scheme
        self.host = host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
        self.apiKey = apiKey
    }

    /// The origin, `scheme://host:port`.
    public var origin: String { "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The upstream URL for a request's path and query.
    func url(forPath pathAndQuery: String) -> String { origin + path(forPath: pathAndQuery) }

    /// The path and query sent upstream for a request's path and query: ``basePath`` prefixed
    /// unless the path already starts with it.
    func path(forPath pathAndQuery: String) -> String {
        let path = pathAndQuery.hasPrefix("/") ? pathAndQuery : "/" + pathAndQuery
        if basePath.isEmpty || path == basePath || path.hasPrefix(basePath + "/") || path.hasPrefix(basePath + "?") {
            return path
        }
        return basePath + path
    }
}

/// How the gateway keeps a user on one arm: by a request header, by the OpenAI `user` field in
/// the JSON body, or both (header first).
///
/// The body is streamed, never collected: to find `user` the gateway reads at most
/// ``peekBytes`` of it before choosing the arm. A body whose `user` field starts later is routed
/// by weight alone and counted as a sticky miss.
public struct Stickiness: Sendable, Equatable {
    /// Header carrying the sticky key (for example `x-user-id`), or `nil`.
    public var header: String?
    /// Whether to look for the top-level `user` string in a JSON request body.
    public var userField: Bool
    public var peekBytes: Int

    public init(header: String? = nil, userField: Bool = false, peekBytes: Int = 64 << 10) {
        self.header = header?.lowercased()
        self.userField = userField
        self.peekBytes = peekBytes
    }

    /// Whether any stickiness is configured.
    public var isEnabled: Bool { header != nil || userField }
}
