#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built-in detectors of ``Redactor``: one left-to-right pass over the UTF-8 bytes; at each
/// position the first detector that matches consumes its match and emits its placeholder.
/// Every match starts and ends at a word boundary, so digits inside longer tokens are left alone.
enum BuiltInDetectors {
    static func redact(_ text: String) -> String {
        var text = text
        return text.withUTF8 { buffer -> String? in
            redact(buffer)
        } ?? text
    }

    /// The redacted bytes as a string, or nil when nothing matched (the caller keeps the original).
    private static func redact(_ s: UnsafeBufferPointer<UInt8>) -> String? {
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        let n = s.count
        while i < n {
            if let (length, placeholder) = match(s, at: i) {
                if out.isEmpty { out.reserveCapacity(n) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: s[copied..<i]))
                out.append(contentsOf: placeholder.utf8)
                i += length
                copied = i
            } else {
                i += 1
            }
        }
        guard copied > 0 else { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: s[copied..<n]))
        return String(decoding: out, as: UTF8.self)
    }

    private static func match(_ s: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, String)? {
        let c = s[i]
        let prev: UInt8 = i > 0 ? s[i - 1] : 0x20
        if isAlnum(prev) { return nil }
        if isLetter(c) {
            if let n = secret(s, i) { return (n.length, n.placeholder) }
            if prev != UInt8(ascii: "."), let n = email(s, i) { return (n, "[EMAIL]") }
            if let candidate = iban(s, i) {
                // A value shaped like an IBAN that fails the check is kept whole, so that its digits
                // are not taken for a card or a phone number.
                if candidate.valid { return (candidate.length, "[IBAN]") }
                return (candidate.length, String(decoding: UnsafeBufferPointer(rebasing: s[i..<(i + candidate.length)]), as: UTF8.self))
            }
            if isHex(c), let n = ipv6(s, i) { return (n, "[IP]") }
            return nil
        }
        if isDigit(c) {
            if prev != UInt8(ascii: "."), prev != UInt8(ascii: "-"), let n = email(s, i) { return (n, "[EMAIL]") }
            if let n = ipv6(s, i) { return (n, "[IP]") }
            if prev != UInt8(ascii: "."), let n = ipv4(s, i) { return (n, "[IP]") }
            if let n = card(s, i) { return (n, "[CARD]") }
            if let n = phone(s, i) { return (n, "[PHONE]") }
            return nil
        }
        if c == UInt8(ascii: "+") || c == UInt8(ascii: "(") {
            if let n = phone(s, i) { return (n, "[PHONE]") }
            return nil
        }
        if c == UInt8(ascii: ":"), prev != UInt8(ascii: ":"), let n = ipv6(s, i) { return (n, "[IP]") }
        return nil
    }

    // MARK: Secrets

    private static func secret(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> (length: Int, placeholder: String)? {
        let n = s.count
        // `Bearer <token>`: the word stays, the token goes.
        if hasPrefix(s, i, "bearer", caseInsensitive: true), i + 6 < n, s[i + 6] == UInt8(ascii: " ") {
            var j = i + 6
            while j < n, s[j] == UInt8(ascii: " ") { j += 1 }
            let start = j
            while j < n, isTokenChar(s[j]) { j += 1 }
            if j - start >= 8 { return (j - i, String(decoding: UnsafeBufferPointer(rebasing: s[i..<(i + 6)]), as: UTF8.self) + " [SECRET]") }
        }
        // `sk-…` style API keys (OpenAI, Anthropic, Stripe): at least 16 key characters after the prefix.
        if hasPrefix(s, i, "sk-") || hasPrefix(s, i, "sk_") {
            var j = i + 3
            while j < n, isAlnum(s[j]) || s[j] == UInt8(ascii: "-") || s[j] == UInt8(ascii: "_") { j += 1 }
            if j - i - 3 >= 16, boundaryAfter(s, j) { return (j - i, "[SECRET]") }
        }
        // JWT: three base64url segments, the first a JSON header (`eyJ`).
        if hasPrefix(s, i, "eyJ") {
            var j = i
            var segments = 0
            while segments < 3 {
                let start = j
                while j < n, isAlnum(s[j]) || s[j] == UInt8(ascii: "-") || s[j] == UInt8(ascii: "_") { j += 1 }
                guard j - start >= 2 else { break }
                segments += 1
                if segments < 3 {
                    guard j < n, s[j] == UInt8(ascii: ".") else { break }
                    j += 1
                }
            }
            if segments == 3, boundaryAfter(s, j) { return (j - i, "[SECRET]") }
        }
        // AWS access key ids: a four-letter prefix and 16 upper-case letters or digits.
        for prefix in awsPrefixes where hasPrefix(s, i, prefix) {
            var j = i + 4
            while j < n, j - i < 21, isUpper(s[j]) || isDigit(s[j]) { j += 1 }
            if j - i == 20, boundaryAfter(s, j) { return (20, "[SECRET]") }
        }
        return nil
    }

    private static let awsPrefixes: [StaticString] = ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"]

    // MARK: E-mail

    private static func email(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = s.count
        var j = i
        while j < n, isLocalChar(s[j]) { j += 1 }
        guard j > i, j < n, s[j] == UInt8(ascii: "@") else { return nil }
        j += 1
        var labels = 0
        var lastLabelLetters = true
        var end = j
        while true {
            let start = j
            var letters = true
            while j < n, isAlnum(s[j]) || s[j] == UInt8(ascii: "-") {
                if !isLetter(s[j]) { letters = false }
                j += 1
            }
            guard j > start else { break }
            labels += 1
            lastLabelLetters = letters && j - start >= 2
            end = j
            guard j + 1 < n, s[j] == UInt8(ascii: "."), isAlnum(s[j + 1]) else { break }
            j += 1
        }
        guard labels >= 2, lastLabelLetters else { return nil }
        return end - i
    }

    // MARK: Payment cards, IBANs

    private static func card(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        var digits: [UInt8] = []
        var ends: [(digits: Int, end: Int)] = []
        var j = i
        let n = s.count
        while j < n, digits.count < 20 {
            if isDigit(s[j]) {
                digits.append(s[j] - 48)
                j += 1
                if !(j < n && isDigit(s[j])) { ends.append((digits.count, j)) }
            } else if (s[j] == UInt8(ascii: " ") || s[j] == UInt8(ascii: "-")), j + 1 < n, isDigit(s[j + 1]) {
                j += 1
            } else {
                break
            }
        }
        for (count, end) in ends.reversed() where (13...19).contains(count) && boundaryAfter(s, end) {
            if luhn(digits[0..<count]) { return end - i }
        }
        return nil
    }

    /// The Luhn (mod 10) check of ISO/IEC 7812.
    static func luhn(_ digits: ArraySlice<UInt8>) -> Bool {
        var sum = 0
        for (k, d) in digits.reversed().enumerated() {
            var v = Int(d)
            if k % 2 == 1 { v *= 2; if v > 9 { v -= 9 } }
            sum += v
        }
        return sum % 10 == 0
    }

    /// An IBAN-shaped value at `i` (country, check digits, 11–30 more characters in groups), and whether its check passes.
    private static func iban(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> (length: Int, valid: Bool)? {
        let n = s.count
        guard i + 4 < n, isUpper(s[i]), isUpper(s[i + 1]), isDigit(s[i + 2]), isDigit(s[i + 3]) else { return nil }
        var chars: [UInt8] = [s[i], s[i + 1], s[i + 2], s[i + 3]]
        var ends: [(count: Int, end: Int)] = []
        var j = i + 4
        while j < n, chars.count < 34 {
            if isUpper(s[j]) || isDigit(s[j]) {
                chars.append(s[j])
                j += 1
                if !(j < n && (isUpper(s[j]) || isDigit(s[j]))) { ends.append((chars.count, j)) }
            } else if s[j] == UInt8(ascii: " "), j + 1 < n, isUpper(s[j + 1]) || isDigit(s[j + 1]) {
                j += 1
            } else {
                break
            }
        }
        let candidates = ends.reversed().filter { $0.count >= 15 && boundaryAfter(s, $0.end) }
        for (count, end) in candidates where ibanChecksum(chars[0..<count]) { return (end - i, true) }
        return candidates.first.map { ($0.end - i, false) }
    }

    /// ISO 13616: move the first four characters to the end, letters to 10–35, the number mod 97 is 1.
    static func ibanChecksum(_ chars: ArraySlice<UInt8>) -> Bool {
        let rearranged = Array(chars.dropFirst(4)) + Array(chars.prefix(4))
        var remainder = 0
        for c in rearranged {
            if isDigit(c) {
                remainder = (remainder * 10 + Int(c - 48)) % 97
            } else {
                remainder = (remainder * 100 + Int(c - 65 + 10)) % 97
            }
        }
        return remainder == 1
    }

    // MARK: Phone numbers

    /// `+` and 8–15 digits (E.164) with spaces, dots, dashes or an area code in parentheses; or,
    /// without `+`, 10–11 digits in at least three groups (`(555) 123-4567`, `020 7946 0958`).
    private static func phone(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = s.count
        var j = i
        let international = s[i] == UInt8(ascii: "+")
        if international { j += 1 }
        var digits = 0
        var groups: [Int] = []
        var current = 0
        var end = j
        var openParen = false
        while j < n {
            let c = s[j]
            if isDigit(c) {
                digits += 1; current += 1; j += 1; end = j
            } else if c == UInt8(ascii: "("), !openParen, current == 0 {
                openParen = true; j += 1
            } else if c == UInt8(ascii: ")"), openParen, current > 0 {
                openParen = false; groups.append(current); current = 0; j += 1; end = j
                if j < n, s[j] == UInt8(ascii: " ") || s[j] == UInt8(ascii: "-") || s[j] == UInt8(ascii: ".") { j += 1 }
            } else if (c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")), current > 0, !openParen,
                      j + 1 < n, isDigit(s[j + 1]) || s[j + 1] == UInt8(ascii: "(") {
                groups.append(current); current = 0; j += 1
            } else {
                break
            }
            if digits > 15 { return nil }
        }
        if current > 0 { groups.append(current) }
        guard !openParen, boundaryAfter(s, end), end > i else { return nil }
        if international {
            guard (8...15).contains(digits), isDigit(s[i + 1]) || s[i + 1] == UInt8(ascii: "(") else { return nil }
            return end - i
        }
        guard (10...11).contains(digits), groups.count >= 3, (2...5).contains(groups[0]),
              groups.dropFirst().allSatisfy({ (2...4).contains($0) }) else { return nil }
        return end - i
    }

    // MARK: IP addresses

    private static func ipv4(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = s.count
        var j = i
        for part in 0..<4 {
            var value = 0
            let start = j
            while j < n, isDigit(s[j]), j - start < 3 { value = value * 10 + Int(s[j] - 48); j += 1 }
            guard j > start, value <= 255, !(j < n && isDigit(s[j])) else { return nil }
            if part < 3 {
                guard j < n, s[j] == UInt8(ascii: ".") else { return nil }
                j += 1
            }
        }
        if j + 1 < n, s[j] == UInt8(ascii: "."), isDigit(s[j + 1]) { return nil }
        guard boundaryAfter(s, j) else { return nil }
        return j - i
    }

    private static func ipv6(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = s.count
        var j = i
        var colons = 0
        var hex = 0
        while j < n, j - i < 45, isHex(s[j]) || s[j] == UInt8(ascii: ":") || s[j] == UInt8(ascii: ".") {
            if s[j] == UInt8(ascii: ":") { colons += 1 } else if isHex(s[j]) { hex += 1 }
            j += 1
        }
        guard colons >= 2, hex >= 3 else { return nil }
        // A trailing dot ends the sentence, not the address.
        while j > i, s[j - 1] == UInt8(ascii: ".") { j -= 1 }
        guard boundaryAfter(s, j) else { return nil }
        var candidate = Array(UnsafeBufferPointer(rebasing: s[i..<j]))
        candidate.append(0)
        var address = in6_addr()
        let ok = candidate.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { inet_pton(AF_INET6, $0, &address) }
        }
        return ok == 1 ? j - i : nil
    }

    // MARK: Bytes

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    @inline(__always) static func isUpper(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { isUpper(c) || (c >= 97 && c <= 122) }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) }
    @inline(__always) static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) }
    @inline(__always) static func isLocalChar(_ c: UInt8) -> Bool {
        isAlnum(c) || c >= 0x80 || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "%") || c == UInt8(ascii: "+")
            || c == UInt8(ascii: "-")
    }
    @inline(__always) static func isTokenChar(_ c: UInt8) -> Bool {
        isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "~")
            || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=")
    }

    /// The match may end at `j`: the text ends, or the next byte is not a letter or digit.
    @inline(__always) static func boundaryAfter(_ s: UnsafeBufferPointer<UInt8>, _ j: Int) -> Bool {
        j >= s.count || !isAlnum(s[j])
    }

    static func hasPrefix(_ s: UnsafeBufferPointer<UInt8>, _ i: Int, _ prefix: StaticString, caseInsensitive: Bool = false) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard i + count <= s.count else { return false }
        let p = prefix.utf8Start
        for k in 0..<count {
            var a = s[i + k], b = p[k]
            if caseInsensitive { if isUpper(a) { a += 32 }; if isUpper(b) { b += 32 } }
            if a != b { return false }
        }
        return true
    }
}
