import Foundation
import Testing
import TollgateCore

/// The built-in detectors and user patterns of ``Redactor``, and the storage modes of ``StoredTextPolicy``.
@Suite struct RedactorTests {
    let r = Redactor.builtIn

    @Test(arguments: [
        ("write to ann.lee+billing@example.co.uk today", "write to [EMAIL] today"),
        ("Mail: x_y@sub.example.org.", "Mail: [EMAIL]."),
        ("call +44 20 7946 0958 now", "call [PHONE] now"),
        ("call +1 (555) 123-4567.", "call [PHONE]."),
        ("office (555) 123-4567 or 555-123-4567", "office [PHONE] or [PHONE]"),
        ("+49-30-901820", "[PHONE]"),
        ("card 4111 1111 1111 1111 expires", "card [CARD] expires"),
        ("card 5500-0000-0000-0004", "card [CARD]"),
        ("amex 378282246310005", "amex [CARD]"),
        ("IBAN DE89 3704 0044 0532 0130 00, thanks", "IBAN [IBAN], thanks"),
        ("GB82WEST12345698765432", "[IBAN]"),
        ("from 192.168.10.254 and 10.0.0.1.", "from [IP] and [IP]."),
        ("v6 2001:db8::8a2e:370:7334 and fe80::1%", "v6 [IP] and [IP]%"),
        ("Authorization: Bearer abcDEF123456789.xyz", "Authorization: Bearer [SECRET]"),
        ("key sk-proj-AbCdEfGhIjKlMnOpQrStUv123", "key [SECRET]"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-1 end", "jwt [SECRET] end"),
        ("aws AKIAIOSFODNN7EXAMPLE here", "aws [SECRET] here"),
    ])
    func detects(_ input: String, _ expected: String) {
        #expect(r.redact(input) == expected)
    }

    @Test(arguments: [
        "card 4111 1111 1111 1112 fails Luhn",
        "IBAN DE89 3704 0044 0532 0130 01 fails mod 97",
        "version 1.2.3 on 2026-11-30 at 12:30:45",
        "order 123456 shipped, 1 000 000 units",
        "not an address 999.168.1.1 nor 1.2.3",
        "sk-short and Bearer abc",
        "Usage::Thing and a::b",
        "plain text without anything in it",
        "AKIAIOSFODNN7EXAMPLEX too long",
    ])
    func leavesOtherTextAlone(_ input: String) {
        #expect(r.redact(input) == input)
    }

    @Test func luhnAndIBANChecksums() {
        #expect(r.redact("4111111111111111") == "[CARD]")
        #expect(r.redact("4111111111111112") == "4111111111111112")
        #expect(r.redact("FR1420041010050500013M02606") == "[IBAN]")
        #expect(r.redact("FR1420041010050500013M02607") == "FR1420041010050500013M02607")
    }

    @Test func userPatternsRunAfterTheBuiltInsWithTheirOwnPlaceholder() throws {
        let custom = try Redactor(patterns: [RedactionPattern(name: "ticket id", pattern: "TCK-[0-9]+"),
                                             RedactionPattern(name: "employee", pattern: "E\\d{5}")])
        #expect(custom.redact("TCK-42 for E12345 <bob@example.com>") == "[TICKET-ID] for [EMPLOYEE] <[EMAIL]>")
    }

    @Test func aBadUserPatternIsRefusedWithItsName() {
        #expect(throws: Redactor.InvalidPattern.self) { try Redactor(patterns: [RedactionPattern(name: "bad", pattern: "([")]) }
    }

    @Test func nonASCIITextSurvivesRedaction() {
        #expect(r.redact("Grüße an jörg@example.de — 日本") == "Grüße an [EMAIL] — 日本")
    }

    @Test func modesDecideWhatIsStored() {
        let text = "mail ann@example.com"
        #expect(StoredTextPolicy(mode: .redacted, redactor: r, maxCharacters: 100).stored(text) == "mail [EMAIL]")
        #expect(StoredTextPolicy(mode: .full, redactor: r, maxCharacters: 100).stored(text) == text)
        #expect(StoredTextPolicy(mode: .none, redactor: r, maxCharacters: 100).stored(text) == nil)
        #expect(StoredTextPolicy(mode: .none, redactor: r, maxCharacters: 100).diagnostic("key sk-abcdefghijklmnopqrstuvwxyz") == "key [SECRET]")
        #expect(StoredTextPolicy(mode: .full, redactor: r, maxCharacters: 4).stored(text) == "mail")
    }

    @Test func aHandBuiltConfigWithABadPatternStoresNoText() {
        let policy = StoredTextPolicy(security: SecurityConfig(redact: [RedactionPattern(name: "bad", pattern: "([")]))
        #expect(policy.stored("anything") == nil)
    }

    @Test func thePipelineLoaderReadsTheLoggingSection() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("redact-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "{}\n".write(to: folder.appendingPathComponent("t.jsonl"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("p.yaml").path
        try """
        version: 1
        kind: pipeline
        name: p
        model:
          name: m
          baseline: { version: "1", endpoint: "http://127.0.0.1:1/v1" }
          candidate: { version: "2", endpoint: "http://127.0.0.1:2/v1" }
        traffic: { source: t.jsonl }
        stages:
          - shadow: { requests: 1 }
        security:
          logging:
            mode: full
            retention: 7d
            max_text_chars: 500
            redact: [{ name: ticket, pattern: "TCK-[0-9]+" }]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let security = try DocumentLoader.loadPipeline(at: path).security
        #expect(security.loggingMode == .full)
        #expect(security.retention == .seconds(7 * 86400))
        #expect(security.maxStoredCharacters == 500)
        #expect(security.redact == [RedactionPattern(name: "ticket", pattern: "TCK-[0-9]+")])
    }
}
