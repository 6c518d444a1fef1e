import NIOHTTP1

/// What the gateway needs of a client request's headers, read in one pass over them (each
/// proxied request used to scan its headers once per fact): its ID, its body's framing, whether
/// it expects `100 Continue`, its sticky key, and the header names its `Connection` header lists.
/// Names are compared ASCII case-insensitively in place; the first field of a name counts.
struct RequestFacts {
    /// `x-request-id`, when the client sent one.
    var requestID: String?
    /// `content-length`, when present and a number (NIO's decoder has checked it already).
    var contentLength: Int?
    /// Whether the request has a `transfer-encoding` (a body of unknown length).
    var hasTransferEncoding = false
    /// Whether the request asks for `100 Continue` before it sends its body.
    var expectsContinue = false
    /// The value of the configured sticky header (``Stickiness/header``, lowercase), when present.
    var stickyKey: String?
    /// The header names the `Connection` header's values list (besides the connection options
    /// `close` and `keep-alive`), lowercased; usually none.
    var connectionNamed: [String] = []

    init(_ fields: HTTPHeaders, stickyHeader: String?) {
        for (name, value) in fields {
            switch name.utf8.count {
            case 10 where HopByHopHeaders.equalsIgnoringCase(name, "connection"):
                HopByHopHeaders.forEachToken(in: value.utf8) { token in
                    if HopByHopHeaders.equalsIgnoringCase(token, "close") || HopByHopHeaders.equalsIgnoringCase(token, "keep-alive") { return }
                    connectionNamed.append(String(Substring(token)).lowercased())
                }
            case 12 where requestID == nil && HopByHopHeaders.equalsIgnoringCase(name, Proxy.requestIDHeader):
                requestID = value
            case 14 where contentLength == nil && HopByHopHeaders.equalsIgnoringCase(name, "content-length"):
                contentLength = Int(value)
            case 17 where HopByHopHeaders.equalsIgnoringCase(name, "transfer-encoding"):
                hasTransferEncoding = true
            case 6 where HopByHopHeaders.equalsIgnoringCase(name, "expect"):
                HopByHopHeaders.forEachToken(in: value.utf8) { token in
                    if HopByHopHeaders.equalsIgnoringCase(token, "100-continue") { expectsContinue = true }
                }
            default:
                break
            }
            if stickyKey == nil, let stickyHeader, HopByHopHeaders.equalsIgnoringCase(name, stickyHeader) { stickyKey = value }
        }
    }
}
