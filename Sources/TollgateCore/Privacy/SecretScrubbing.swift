import Foundation

/// Exact values that must never leave Tollgate (an API key read from `api_key_env`, a token from
/// `token_env`): wherever a server quotes one back — "invalid key sk-…" in an error body, an
/// echoed header — it is replaced by `[SECRET]` before the text is stored, logged or printed.
/// Pattern-based redaction (``Redactor``) catches secrets by shape; this catches the ones Tollgate
/// knows by value, whatever their shape and whatever the logging mode.
///
/// ```swift
/// SecretScrubbing.scrub("bad key hunter2-very-secret", removing: ["hunter2-very-secret"]) // "bad key [SECRET]"
/// ```
public enum SecretScrubbing {
    /// What a known secret becomes.
    public static let placeholder = "[SECRET]"

    /// `text` with every occurrence of each non-empty value of `secrets` replaced by
    /// ``placeholder``, longest values first (so a key that contains another is removed whole).
    public static func scrub(_ text: String, removing secrets: [String]) -> String {
        var result = text
        for secret in secrets.filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: placeholder)
        }
        return result
    }

    /// ``scrub(_:removing:)`` of an optional text.
    public static func scrub(_ text: String?, removing secrets: [String]) -> String? {
        text.map { scrub($0, removing: secrets) }
    }
}
