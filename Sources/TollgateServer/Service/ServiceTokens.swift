import Foundation

/// The bearer tokens `tollgate serve` accepts, each with a name that the audit trail and the
/// rate limiter use (the value itself is never stored, logged or echoed).
///
/// `TOLLGATE_TOKENS=ops:OPS_TOKEN,alertmanager:AM_TOKEN` names each token and the environment
/// variable that holds it; the single-token form (`--token-env`, default `TOLLGATE_TOKEN`) is the
/// token named `default`.
public struct ServiceTokens: Sendable {
    /// One accepted token.
    public struct Token: Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public let tokens: [Token]

    public init(_ tokens: [Token]) throws(ServerError) {
        guard !tokens.isEmpty else {
            throw .invalidConfiguration("no service token is set; set the variable named by --token-env, or TOLLGATE_TOKENS=name:VAR,….")
        }
        for token in tokens where token.value.isEmpty {
            throw .invalidConfiguration("the token '\(token.name)' is empty; set its variable to a secret.")
        }
        var seen = Set<String>()
        for token in tokens where !seen.insert(token.name).inserted {
            throw .invalidConfiguration("the token name '\(token.name)' is given twice in TOLLGATE_TOKENS.")
        }
        self.tokens = tokens
    }

    /// Reads `spec` (`name:VAR,name:VAR`) against `environment`; errors name variables, never values.
    public static func named(_ spec: String, environment: [String: String]) throws(ServerError) -> ServiceTokens {
        var tokens: [Token] = []
        for item in spec.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .invalidConfiguration("TOLLGATE_TOKENS entries are name:VARIABLE (e.g. ops:OPS_TOKEN); got '\(item)'.")
            }
            guard let value = environment[parts[1]], !value.isEmpty else {
                throw .invalidConfiguration("the token '\(parts[0])' names the variable \(parts[1]), which is not set or empty.")
            }
            tokens.append(Token(name: parts[0], value: value))
        }
        return try ServiceTokens(tokens)
    }

    /// The tokens `environment` holds: `TOLLGATE_TOKENS` (named ones) when it is set and not
    /// empty, else the one token in `tokenVariable`, named `default`.
    public static func fromEnvironment(tokenVariable: String, environment: [String: String]) throws(ServerError) -> ServiceTokens {
        if let spec = environment["TOLLGATE_TOKENS"], !spec.isEmpty { return try named(spec, environment: environment) }
        guard let token = environment[tokenVariable], !token.isEmpty else {
            throw .invalidConfiguration("set \(tokenVariable) to the bearer token clients (Alertmanager, operators) will send, or TOLLGATE_TOKENS=name:VARIABLE,….")
        }
        return try ServiceTokens([Token(name: "default", value: token)])
    }

    /// The name of the token `authorization` (an `Authorization` header) carries, if it is one of
    /// ours. Every token is compared, in constant time each, so timing tells nothing.
    public func name(forAuthorization authorization: String?) -> String? {
        var found: String?
        for token in tokens where AdminAPI.authorized(authorization, token: token.value) {
            found = found ?? token.name
        }
        return found
    }
}
