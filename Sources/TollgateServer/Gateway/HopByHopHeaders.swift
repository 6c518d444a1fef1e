import NIOCore
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
        equalsIgnoringCase(name.utf8, lowercase)
    }

    /// Whether the bytes of `name` equal `lowercase` (which is lowercase ASCII), ignoring ASCII case.
    static func equalsIgnoringCase<Name: Collection<UInt8>>(_ name: Name, _ lowercase: String) -> Bool {
        guard name.count == lowercase.utf8.count else { return false }
        var candidate = name.makeIterator()
        for expected in lowercase.utf8 {
            guard let a = candidate.next() else { return false }
            let folded = (a >= 0x41 && a <= 0x5A) ? a | 0x20 : a
            if folded != expected { return false }
        }
        return true
    }

    private static func isListed<Name: Collection<UInt8>>(_ name: Name, in list: [String]) -> Bool {
        for entry in list where equalsIgnoringCase(name, entry) { return true }
        return false
    }

    /// Calls `body` with each comma-separated token of every `field` header (`field` lowercase),
    /// spaces and tabs trimmed, empty ones left out. The values are split in place: NIO's
    /// `subscript(canonicalForm:)` builds arrays for it, on every proxied request.
    static func forEachToken(of field: String, in fields: HTTPHeaders, _ body: (Substring) -> Void) {
        for (name, value) in fields where equalsIgnoringCase(name, field) {
            forEachToken(in: value.utf8) { body(Substring($0)) }
        }
    }

    /// Calls `body` with each comma-separated token of one field value, spaces and tabs
    /// trimmed, empty ones left out.
    static func forEachToken<Value: BidirectionalCollection<UInt8>>(in value: Value, _ body: (Value.SubSequence) -> Void) {
        var tokenStart = value.startIndex
        var i = tokenStart
        while true {
            let atEnd = i == value.endIndex
            if atEnd || value[i] == UInt8(ascii: ",") {
                var start = tokenStart, end = i
                while start < end, isSpace(value[start]) { start = value.index(after: start) }
                while end > start, isSpace(value[value.index(before: end)]) { end = value.index(before: end) }
                if start < end { body(value[start..<end]) }
                if atEnd { break }
                tokenStart = value.index(after: i)
            }
            i = value.index(after: i)
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

    /// Calls `body` with each of a request's `fields` that goes on: not hop-by-hop, not named by
    /// its `Connection` header, not `x-forwarded-for` (collected into `forwardedFor` instead),
    /// and, when `dropCredentials`, none of the user's ``credentials``; when `dropAuthorization`,
    /// not `authorization`.
    private static func forEachForwardable(_ fields: HTTPHeaders, dropAuthorization: Bool, dropCredentials: Bool,
                                           forwardedFor: inout String?, _ body: (String, String) -> Void) {
        let named = named(inConnection: fields)
        for (name, value) in fields {
            if isListed(name.utf8, in: always) { continue }
            if !named.isEmpty, isListed(name.utf8, in: named) { continue }
            if equalsIgnoringCase(name, "x-forwarded-for") {
                forwardedFor = forwardedFor.map { $0 + ", " + value } ?? value
                continue
            }
            if dropCredentials, isListed(name.utf8, in: credentials) { continue }
            if dropAuthorization, equalsIgnoringCase(name, "authorization") { continue }
            body(name, value)
        }
    }

    /// Whether an upstream answer's header `name` goes on to the client: not hop-by-hop, not
    /// named by the answer's `Connection` header (`connectionNamed`, lowercase), and not one of
    /// the ``gatewayAnswerHeaders``. (`content-length` is hop-by-hop here too: the gateway
    /// writes the length it forwards itself, see ``UpstreamAnswerParser``.)
    static func forwardsAnswerField<Name: Collection<UInt8>>(_ name: Name, connectionNamed: [String]) -> Bool {
        !isListed(name, in: always) && !isListed(name, in: gatewayAnswerHeaders)
            && (connectionNamed.isEmpty || !isListed(name, in: connectionNamed))
    }

    /// Calls `body` with every header of a request as it goes on: the forwardable ones, then
    /// `x-forwarded-for` with the client's address appended, then the target's key.
    private static func forEachRequestField(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?, dropCredentials: Bool,
                                            _ body: (String, String) -> Void) {
        var forwardedFor: String?
        forEachForwardable(fields, dropAuthorization: apiKey != nil, dropCredentials: dropCredentials, forwardedFor: &forwardedFor, body)
        if let clientAddress {
            body("x-forwarded-for", forwardedFor.map { $0 + ", " + clientAddress } ?? clientAddress)
        } else if let forwardedFor {
            body("x-forwarded-for", forwardedFor)
        }
        if let apiKey { body("authorization", "Bearer \(apiKey)") }
    }

    /// Writes the client's request headers as they go upstream into `head`, one
    /// `name: value` line each (the caller writes the request line, `host`, the body's framing
    /// and the empty line).
    static func writeUpstreamRequestFields(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?, into head: inout ByteBuffer) {
        forEachRequestField(fields, clientAddress: clientAddress, apiKey: apiKey, dropCredentials: false) { name, value in
            head.writeString(name)
            head.writeStaticString(": ")
            head.writeString(value)
            head.writeStaticString("\r\n")
        }
    }

    /// The client's request headers as they go to the mirror target: those of
    /// ``writeUpstreamRequestFields(_:clientAddress:apiKey:into:)`` without the user's
    /// ``credentials``, plus `Authorization: Bearer <apiKey>` when the mirror target has a key of its own.
    static func mirrorRequestHeaders(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 2)
        forEachRequestField(fields, clientAddress: clientAddress, apiKey: apiKey, dropCredentials: true) { headers.add(name: $0, value: $1) }
        return headers
    }
}
