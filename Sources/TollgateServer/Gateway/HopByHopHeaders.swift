import NIOHTTP1

/// Header handling of a proxy (RFC 9110 section 7.6.1): connection-specific ("hop-by-hop")
/// headers, and any header the `Connection` header names, are not forwarded in either direction.
///
/// This runs twice for every proxied request, so names are compared ASCII case-insensitively in
/// place (no lowercased copies, no hashing) and forwarded as the peer spelled them.
enum HopByHopHeaders {
    /// Headers that only describe one connection. `host` and `content-length` are also dropped:
    /// the upstream client sets both for its own connection and body; `expect: 100-continue` was
    /// already answered on the client's connection.
    static let always: [String] = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect",
    ]

    /// Headers the gateway puts on every answer (the arm and the request's ID), in place of any
    /// the upstream sent.
    static let gatewayAnswerHeaders: [String] = [Proxy.armHeader, Proxy.requestIDHeader]

    /// Credentials of the user that a shadow copy never carries: the mirror target is not where
    /// the user sent them.
    static let credentials: [String] = ["authorization", "cookie", "x-api-key", "api-key"]

    /// Whether `name` equals `lowercase` (which is lowercase ASCII), ignoring ASCII case.
    static func equalsIgnoringCase(_ name: some StringProtocol, _ lowercase: String) -> Bool {
        var candidate = name.utf8.makeIterator()
        var expected = lowercase.utf8.makeIterator()
        while true {
            switch (candidate.next(), expected.next()) {
            case (nil, nil): return true
            case (let a?, let b?):
                let folded = (a >= 0x41 && a <= 0x5A) ? a | 0x20 : a
                if folded != b { return false }
            default: return false
            }
        }
    }

    private static func isListed(_ name: String, in list: [String]) -> Bool {
        let count = name.utf8.count
        for entry in list where entry.utf8.count == count && equalsIgnoringCase(name, entry) { return true }
        return false
    }

    /// Calls `body` with each comma-separated token of every `field` header (`field` lowercase),
    /// spaces and tabs trimmed, empty ones left out. The values are split in place: NIO's
    /// `subscript(canonicalForm:)` builds arrays for it, on every proxied request.
    static func forEachToken(of field: String, in fields: HTTPHeaders, _ body: (Substring) -> Void) {
        let length = field.utf8.count
        for (name, value) in fields where name.utf8.count == length && equalsIgnoringCase(name, field) {
            let utf8 = value.utf8
            var tokenStart = utf8.startIndex
            var i = tokenStart
            while true {
                let atEnd = i == utf8.endIndex
                if atEnd || utf8[i] == UInt8(ascii: ",") {
                    var start = tokenStart, end = i
                    while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
                    while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
                    if start < end { body(Substring(utf8[start..<end])) }
                    if atEnd { break }
                    tokenStart = utf8.index(after: i)
                }
                i = utf8.index(after: i)
            }
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// The header names that the `Connection` header's values list (besides the connection
    /// options `close` and `keep-alive`), lowercased; usually none.
    static func named(inConnection fields: HTTPHeaders) -> [String] {
        var names: [String] = []
        forEachToken(of: "connection", in: fields) { token in
            if equalsIgnoringCase(token, "close") || equalsIgnoringCase(token, "keep-alive") { return }
            names.append(token.lowercased())
        }
        return names
    }

    /// Whether the request asks for `100 Continue` before it sends its body.
    static func expectsContinue(_ fields: HTTPHeaders) -> Bool {
        var expects = false
        forEachToken(of: "expect", in: fields) { token in
            if equalsIgnoringCase(token, "100-continue") { expects = true }
        }
        return expects
    }

    /// Copies `fields` without hop-by-hop headers (and, when `dropCredentials`, without the
    /// user's ``credentials``; when `dropAuthorization`, without `authorization`). A request's
    /// `x-forwarded-for` values are collected into `forwardedFor` instead of copied.
    private static func forwardable(_ fields: HTTPHeaders, isRequest: Bool, dropAuthorization: Bool, dropCredentials: Bool,
                                    forwardedFor: inout String?) -> HTTPHeaders {
        let named = named(inConnection: fields)
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 3) // the three each caller adds (request: host, length, x-forwarded-for; answer: length, arm, request id)
        for (name, value) in fields {
            if isListed(name, in: always) {
                // An answer's length goes to the client as it came; a request's is set by the
                // caller for the body it sends.
                guard !isRequest, name.utf8.count == 14, equalsIgnoringCase(name, "content-length") else { continue }
            } else if !named.isEmpty, isListed(name, in: named) {
                continue
            }
            // The gateway sets these on every answer itself.
            if !isRequest, isListed(name, in: gatewayAnswerHeaders) { continue }
            if isRequest, equalsIgnoringCase(name, "x-forwarded-for") {
                forwardedFor = forwardedFor.map { $0 + ", " + value } ?? value
                continue
            }
            if dropCredentials, isListed(name, in: credentials) { continue }
            if dropAuthorization, equalsIgnoringCase(name, "authorization") { continue }
            headers.add(name: name, value: value)
        }
        return headers
    }

    private static func request(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?, dropCredentials: Bool) -> HTTPHeaders {
        var forwardedFor: String?
        var headers = forwardable(fields, isRequest: true, dropAuthorization: apiKey != nil, dropCredentials: dropCredentials, forwardedFor: &forwardedFor)
        if let clientAddress {
            headers.add(name: "x-forwarded-for", value: forwardedFor.map { $0 + ", " + clientAddress } ?? clientAddress)
        } else if let forwardedFor {
            headers.add(name: "x-forwarded-for", value: forwardedFor)
        }
        if let apiKey { headers.add(name: "authorization", value: "Bearer \(apiKey)") }
        return headers
    }

    /// The client's request headers as they go upstream (the caller adds `host` and the body's framing).
    static func upstreamRequestHeaders(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?) -> HTTPHeaders {
        request(fields, clientAddress: clientAddress, apiKey: apiKey, dropCredentials: false)
    }

    /// The client's request headers as they go to the mirror target: those of
    /// ``upstreamRequestHeaders(_:clientAddress:apiKey:)`` without the user's ``credentials``,
    /// plus `Authorization: Bearer <apiKey>` when the mirror target has a key of its own.
    static func mirrorRequestHeaders(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?) -> HTTPHeaders {
        request(fields, clientAddress: clientAddress, apiKey: apiKey, dropCredentials: true)
    }

    /// The upstream's response headers as they go back to the client, its `content-length`
    /// included, without the ``gatewayAnswerHeaders`` (the caller adds its own).
    static func clientResponseHeaders(_ headers: HTTPHeaders) -> HTTPHeaders {
        var ignored: String?
        return forwardable(headers, isRequest: false, dropAuthorization: false, dropCredentials: false, forwardedFor: &ignored)
    }
}
