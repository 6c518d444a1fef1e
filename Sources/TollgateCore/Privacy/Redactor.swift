import Foundation

/// A user's own redaction pattern (`security.logging.redact[]`): matches of `pattern`
/// (NSRegularExpression syntax) are replaced by `[NAME]`.
public struct RedactionPattern: Sendable, Equatable, Codable {
    public var name: String
    public var pattern: String

    public init(name: String, pattern: String) {
        self.name = name
        self.pattern = pattern
    }

    /// The placeholder a match becomes: the name upper-cased, `-` for anything not a letter or digit.
    public var placeholder: String {
        "[" + String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }) + "]"
    }
}

/// Replaces personal data and secrets in text by typed placeholders before the text is stored:
/// e-mail addresses `[EMAIL]`, phone numbers in international or grouped form `[PHONE]`, payment
/// card numbers that pass the Luhn check `[CARD]`, IBANs that pass the ISO 13616 mod-97 check
/// `[IBAN]`, IPv4/IPv6 addresses `[IP]`, bearer tokens, `sk-…` API keys, JWTs and AWS key ids
/// `[SECRET]`, then every user pattern `[NAME]`.
///
/// The built-in detectors are one hand-written pass over the UTF-8 bytes (no regular expression),
/// so redaction costs little next to a request; pure, no I/O.
///
/// ```swift
/// let r = try Redactor(patterns: [RedactionPattern(name: "ticket", pattern: "TCK-[0-9]+")])
/// r.redact("mail ann@example.com about TCK-42") // "mail [EMAIL] about [TICKET]"
/// ```
public struct Redactor: Sendable {
    /// What a bad user pattern looks like.
    public struct InvalidPattern: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var pattern: String
        public var reason: String
        public var description: String { "redaction pattern '\(name)' is not a valid regular expression (\(pattern)): \(reason)" }
    }

    private let user: [(regex: NSRegularExpression, placeholder: String)]

    /// The built-in detectors only.
    public static let builtIn = Redactor()

    private init() { user = [] }

    /// The built-in detectors plus `patterns`, compiled; throws ``InvalidPattern`` for the first bad one.
    public init(patterns: [RedactionPattern]) throws(InvalidPattern) {
        var compiled: [(NSRegularExpression, String)] = []
        for p in patterns {
            do {
                compiled.append((try NSRegularExpression(pattern: p.pattern), p.placeholder))
            } catch {
                throw InvalidPattern(name: p.name, pattern: p.pattern, reason: "\(error.localizedDescription)")
            }
        }
        user = compiled
    }

    /// `text` with every detected value replaced by its placeholder.
    public func redact(_ text: String) -> String {
        var result = BuiltInDetectors.redact(text)
        for (regex, placeholder) in user {
            let range = NSRange(result.startIndex..., in: result)
            result = regex.stringByReplacingMatches(in: result, range: range,
                                                    withTemplate: NSRegularExpression.escapedTemplate(for: placeholder))
        }
        return result
    }
}

extension Redactor.InvalidPattern: Equatable {}
