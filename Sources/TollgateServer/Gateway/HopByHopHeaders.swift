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
        var lowercase = lowercase
        return lowercase.withUTF8 { expected in
            guard name.count == expected.count else { return false }
            if let equal = name.withContiguousStorageIfAvailable({ equalsFolded($0, expected) }) { return equal }
            return equalsFolded(name, expected)
        }
    }

    private static func equalsFolded<Name: Collection<UInt8>>(_ name: Name, _ expected: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        for byte in name {
            let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
            if folded != expected[i] { return false }
            i += 1
        }
        return true
    }

    private static func isListed<Name: Collection<UInt8>>(_ name: Name, in list: [String]) -> Bool {
        for entry in list where equalsIgnoringCase(name, entry) { return true }
        return false
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

    /// Calls `body` with each of a request's `fields` that goes on: not hop-by-hop, not named by
    /// its `Connection` header (`connectionNamed`, ``RequestFacts/connectionNamed``), not
    /// `x-forwarded-for` (collected into `forwardedFor` instead), and, when `dropCredentials`,
    /// none of the user's ``credentials``; when `dropAuthorization`, not `authorization`.
    private static func forEachForwardable(_ fields: HTTPHeaders, connectionNamed named: [String], dropAuthorization: Bool, dropCredentials: Bool,
                                           forwardedFor: inout String?, _ body: (String, String) -> Void) {
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
    private static func forEachRequestField(_ fields: HTTPHeaders, connectionNamed: [String], clientAddress: String?, apiKey: String?,
                                            dropCredentials: Bool, _ body: (String, String) -> Void) {
        var forwardedFor: String?
        forEachForwardable(fields, connectionNamed: connectionNamed, dropAuthorization: apiKey != nil, dropCredentials: dropCredentials, forwardedFor: &forwardedFor, body)
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
    static func writeUpstreamRequestFields(_ fields: HTTPHeaders, connectionNamed: [String], clientAddress: String?, apiKey: String?,
                                           into head: inout ByteBuffer) {
        forEachRequestField(fields, connectionNamed: connectionNamed, clientAddress: clientAddress, apiKey: apiKey, dropCredentials: false) { name, value in
            head.writeString(name)
            head.writeStaticString(": ")
            head.writeString(value)
            head.writeStaticString("\r\n")
        }
    }

    /// The client's request headers as they go to the mirror target: those of
    /// ``writeUpstreamRequestFields(_:connectionNamed:clientAddress:apiKey:into:)`` without the user's
    /// ``credentials``, plus `Authorization: Bearer <apiKey>` when the mirror target has a key of its own.
    static func mirrorRequestHeaders(_ fields: HTTPHeaders, connectionNamed: [String], clientAddress: String?, apiKey: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 2)
        forEachRequestField(fields, connectionNamed: connectionNamed, clientAddress: clientAddress, apiKey: apiKey, dropCredentials: true) { headers.add(name: $0, value: $1) }
        return headers
    }
}
