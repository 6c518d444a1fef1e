/// What becomes of a piece of text (an answer, an eval answer, an alert annotation, a server's
/// error message) on its way into the run history: kept as is (`full`), redacted (`redacted`,
/// the default) or dropped (`none`), and cut to ``maxCharacters``.
///
/// Measurements (tokens, bytes, timings) are taken from the full answer before this applies.
///
/// ```swift
/// let policy = try StoredTextPolicy(security: pipeline.security)
/// row.responseText = policy.stored(sample.responseText)
/// ```
public struct StoredTextPolicy: Sendable {
    public var mode: SecurityConfig.LoggingMode
    public var redactor: Redactor
    /// Stored text is cut to this many characters (an answer's measurements keep the full length).
    public var maxCharacters: Int

    /// The default: built-in redaction, text cut to ``SecurityConfig/defaultMaxStoredCharacters``.
    public static let standard = StoredTextPolicy(mode: .redacted, redactor: .builtIn,
                                                  maxCharacters: SecurityConfig.defaultMaxStoredCharacters)

    public init(mode: SecurityConfig.LoggingMode, redactor: Redactor, maxCharacters: Int) {
        self.mode = mode
        self.redactor = redactor
        self.maxCharacters = maxCharacters
    }

    /// The policy a pipeline's `security.logging` asks for. The loader rejects bad patterns; a
    /// ``SecurityConfig`` built by hand with one fails closed: no text is stored.
    public init(security: SecurityConfig) {
        if let redactor = try? Redactor(patterns: security.redact) {
            self.init(mode: security.loggingMode, redactor: redactor, maxCharacters: security.maxStoredCharacters)
        } else {
            self.init(mode: .none, redactor: .builtIn, maxCharacters: security.maxStoredCharacters)
        }
    }

    /// Prompt or answer text as it may be stored: nil in mode `none`.
    public func stored(_ text: String?) -> String? {
        guard let text else { return nil }
        switch mode {
        case .none: return nil
        case .full: return cut(text)
        case .redacted: return cut(redactor.redact(text))
        }
    }

    /// Diagnostic text (a server's error message, an alert's annotations) as it may be stored:
    /// redacted unless the mode is `full`, kept in mode `none` too because it is not user content
    /// but may quote a secret or an address.
    public func diagnostic(_ text: String?) -> String? {
        guard let text else { return nil }
        return mode == .full ? cut(text) : cut(redactor.redact(text))
    }

    private func cut(_ text: String) -> String {
        guard text.utf8.count > maxCharacters, text.count > maxCharacters else { return text }
        return String(text.prefix(maxCharacters))
    }
}
