import Foundation
import NIOHTTP1

/// Header handling of a proxy (RFC 9110 section 7.6.1): connection-specific ("hop-by-hop")
/// headers, and any header the `Connection` header names, are not forwarded in either direction.
enum HopByHopHeaders {
    /// Headers that only describe one connection. `host` and `content-length` are also dropped:
    /// the upstream client sets both for its own connection and body; `expect: 100-continue` was
    /// already answered on the client's connection.
    static let always: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect",
    ]

    /// The names listed in the `Connection` header values, lowercased.
    static func named(inConnection values: [String]) -> Set<String> {
        Set(values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
    }

    /// The client's request headers as they go upstream (the caller adds `host` and the body's framing).
    static func upstreamRequestHeaders(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?) -> HTTPHeaders {
        let listed = fields[canonicalForm: "connection"]
        let named = listed.isEmpty ? [] : Self.named(inConnection: listed.map(String.init))
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 2)
        var forwardedFor: String?
        for (name, value) in fields {
            let lower = name.lowercased()
            if always.contains(lower) || named.contains(lower) { continue }
            if lower == "x-forwarded-for" { forwardedFor = forwardedFor.map { $0 + ", " + value } ?? value; continue }
            if apiKey != nil && lower == "authorization" { continue }
            headers.add(name: lower, value: value)
        }
        if let clientAddress {
            headers.add(name: "x-forwarded-for", value: forwardedFor.map { $0 + ", " + clientAddress } ?? clientAddress)
        } else if let forwardedFor {
            headers.add(name: "x-forwarded-for", value: forwardedFor)
        }
        if let apiKey { headers.add(name: "authorization", value: "Bearer \(apiKey)") }
        return headers
    }

    /// Credentials of the user that a shadow copy never carries: the mirror target is not where
    /// the user sent them.
    static let credentials: Set<String> = ["authorization", "cookie", "x-api-key", "api-key"]

    /// The client's request headers as they go to the mirror target: those of
    /// ``upstreamRequestHeaders(_:clientAddress:apiKey:)`` without the user's ``credentials``,
    /// plus `Authorization: Bearer <apiKey>` when the mirror target has a key of its own.
    static func mirrorRequestHeaders(_ fields: HTTPHeaders, clientAddress: String?, apiKey: String?) -> HTTPHeaders {
        var headers = upstreamRequestHeaders(fields, clientAddress: clientAddress, apiKey: nil)
        for name in credentials { headers.remove(name: name) }
        if let apiKey { headers.add(name: "authorization", value: "Bearer \(apiKey)") }
        return headers
    }

    /// The upstream's response headers as they go back to the client (the caller adds the framing).
    static func clientResponseHeaders(_ headers: HTTPHeaders) -> HTTPHeaders {
        let listed = headers[canonicalForm: "connection"]
        let named = listed.isEmpty ? [] : Self.named(inConnection: listed.map(String.init))
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 3)
        for (name, value) in headers {
            let lower = name.lowercased()
            if always.contains(lower) || named.contains(lower) { continue }
            fields.add(name: lower, value: value)
        }
        return fields
    }
}
