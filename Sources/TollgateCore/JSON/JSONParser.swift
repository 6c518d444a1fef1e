public import Foundation

/// A small, strict RFC 8259 JSON parser into ``JSONValue``. It exists because decoding an
/// untyped value with `JSONDecoder` tries each type in turn and builds a `DecodingError` for every
/// miss, which made reading a traffic file cost about a millisecond per line.
public struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    /// Parses one JSON value filling all of `data` (whitespace around it allowed).
    public static func parse(_ data: some ContiguousBytes) -> JSONValue? {
        data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
            guard let value = parser.value() else { return nil }
            parser.skipSpace()
            return parser.i == parser.bytes.count ? value : nil
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func literal(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
        let count = text.utf8CodeUnitCount
        guard i + count <= bytes.count else { return nil }
        for k in 0..<count where bytes[i + k] != text.utf8Start[k] { return nil }
        i += count
        return value
    }

    private mutating func value() -> JSONValue? {
        skipSpace()
        guard let c = current else { return nil }
        switch c {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    /// Builds the object at the cursor, walked by the reader (``readObjectIfAny(_:)``): one
    /// grammar of objects for parsing and for reading.
    private mutating func object() -> JSONValue? {
        var members: [String: JSONValue] = [:]
        let found = readObjectIfAny { parser, key in
            guard let v = parser.value() else { return false }
            members[key.name] = v
            return true
        }
        guard case .value = found else { return nil }
        return .object(members)
    }

    /// Builds the array at the cursor, walked by the reader (``readArrayIfAny(_:)``).
    private mutating func array() -> JSONValue? {
        var items: [JSONValue] = []
        let found = readArrayIfAny { parser, _ in
            guard let v = parser.value() else { return false }
            items.append(v)
            return true
        }
        guard case .value = found else { return nil }
        return .array(items)
    }

    /// Reads the string at the cursor (on its opening quote). With `building` false the string is
    /// checked the same way but not made (the empty string stands for a sound one).
    private mutating func string(building: Bool = true) -> String? {
        i += 1 // opening quote
        let start = i
        // Fast path: no escapes.
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") {
            if bytes[i] < 0x20 { return nil }
            i += 1
        }
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "\"") {
            let s = building ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self) : ""
            i += 1
            return s
        }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return building ? String(decoding: out, as: UTF8.self) : ""
            }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard let e = current else { return nil }
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var code = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(code) {
                    // A surrogate pair: \uD83D\uDE00.
                    guard current == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") else { return nil }
                    i += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    return nil
                }
                guard let scalar = Unicode.Scalar(code) else { return nil }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// Reads the number at the cursor; with `building` false it is checked but not converted
    /// (`.null` stands for a sound one).
    private mutating func number(building: Bool = true) -> JSONValue? {
        let start = i
        if current == UInt8(ascii: "-") { i += 1 }
        guard let first = current, first >= 0x30, first <= 0x39 else { return nil }
        if first == 0x30 {
            i += 1
        } else {
            while let c = current, c >= 0x30, c <= 0x39 { i += 1 }
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard let c = current, c >= 0x30, c <= 0x39 else { return nil }
            while let c = current, c >= 0x30, c <= 0x39 { i += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            i += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
            guard let c = current, c >= 0x30, c <= 0x39 else { return nil }
            while let c = current, c >= 0x30, c <= 0x39 { i += 1 }
        }
        guard building else { return .null }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if integral, let n = Int(text) { return .integer(n) }
        return Double(text).map(JSONValue.number)
    }
}

// MARK: Reading without building

extension JSONParser {
    /// Walks the one JSON value that fills `data` with `body`, a reader that picks out what it
    /// needs and skips the rest without building it. The whole text is checked exactly as
    /// ``parse(_:)`` checks it; `nil` when it is not one sound JSON value or `body` gave up.
    /// Reading a few fields this way costs a fraction of building the whole ``JSONValue``.
    public static func read<T>(_ data: some ContiguousBytes, _ body: (inout JSONParser) -> T?) -> T? {
        data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
            guard let result = body(&parser) else { return nil }
            parser.skipSpace()
            return parser.i == parser.bytes.count ? result : nil
        }
    }

    /// What a reader found where it expected a value of some kind.
    public enum Found<Value> {
        /// The value, read.
        case value(Value)
        /// A value of another kind is at the cursor, not read yet (``settle(_:_:)`` skips it).
        case other
        /// Not JSON: reading stops.
        case malformed
    }

    /// Ends a read that found `found`: hands a value to `take`, skips a value of another kind,
    /// and says whether reading goes on (false: not JSON).
    public mutating func settle<Value>(_ found: Found<Value>, _ take: (Value) -> Void = { _ in }) -> Bool {
        switch found {
        case .value(let value):
            take(value)
            return true
        case .other:
            return skipValue()
        case .malformed:
            return false
        }
    }

    /// A member name of the object being read, compared without making a `String` unless it
    /// holds escapes.
    public struct Key {
        fileprivate let raw: UnsafeBufferPointer<UInt8>
        fileprivate let unescaped: String?

        /// The name, decoded.
        fileprivate var name: String { unescaped ?? String(decoding: raw, as: UTF8.self) }

        /// Whether the name is `name`.
        public func `is`(_ name: StaticString) -> Bool {
            if let unescaped { return unescaped == name.description }
            guard raw.count == name.utf8CodeUnitCount else { return false }
            return memcmp(raw.baseAddress!, name.utf8Start, raw.count) == 0
        }
    }

    /// The kind of the value at the cursor: its first byte (`{`, `[`, `"`, a digit…), nil at the end.
    public mutating func peek() -> UInt8? {
        skipSpace()
        return current
    }

    /// Checks and skips the value at the cursor; false when it is not JSON.
    public mutating func skipValue() -> Bool {
        skipSpace()
        guard let c = current else { return false }
        switch c {
        case UInt8(ascii: "{"):
            return readObject { parser, _ in parser.skipValue() }
        case UInt8(ascii: "["):
            return readArray { parser, _ in parser.skipValue() }
        case UInt8(ascii: "\""): return string(building: false) != nil
        case UInt8(ascii: "t"): return literal("true", .null) != nil
        case UInt8(ascii: "f"): return literal("false", .null) != nil
        case UInt8(ascii: "n"): return literal("null", .null) != nil
        default: return number(building: false) != nil
        }
    }

    /// Reads the value at the cursor into a ``JSONValue`` (for the parts a reader keeps whole).
    public mutating func readValue() -> JSONValue? { value() }

    /// Reads the object at the cursor, calling `member` with each name; `member` must read or
    /// skip the value and return false only when it is not JSON. A value of another kind is
    /// skipped.
    public mutating func readObject(_ member: (inout JSONParser, Key) -> Bool) -> Bool {
        let found = readObjectIfAny(member)
        return settle(found)
    }

    /// Like ``readObject(_:)``, saying whether the value was an object.
    public mutating func readObjectIfAny(_ member: (inout JSONParser, Key) -> Bool) -> Found<Void> {
        skipSpace()
        guard current == UInt8(ascii: "{") else { return .other }
        depth += 1
        defer { depth -= 1 }
        guard depth < 512 else { return .malformed }
        i += 1
        skipSpace()
        if current == UInt8(ascii: "}") { i += 1; return .value(()) }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { return .malformed }
            let quote = i
            guard string(building: false) != nil else { return .malformed }
            let raw = UnsafeBufferPointer(rebasing: bytes[(quote + 1)..<(i - 1)])
            var unescaped: String?
            if raw.contains(UInt8(ascii: "\\")) {
                // A name with escapes is compared decoded, as parse(_:) would key it.
                let end = i
                i = quote
                unescaped = string()
                i = end
            }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return .malformed }
            i += 1
            guard member(&self, Key(raw: raw, unescaped: unescaped)) else { return .malformed }
            skipSpace()
            switch current {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return .value(())
            default: return .malformed
            }
        }
    }

    /// Reads the array at the cursor, calling `element` with each index; `element` must read or
    /// skip the value. A value of another kind is skipped.
    public mutating func readArray(_ element: (inout JSONParser, Int) -> Bool) -> Bool {
        let found = readArrayIfAny(element)
        return settle(found)
    }

    /// Like ``readArray(_:)``, saying whether the value was an array (with its count).
    public mutating func readArrayIfAny(_ element: (inout JSONParser, Int) -> Bool) -> Found<Int> {
        skipSpace()
        guard current == UInt8(ascii: "[") else { return .other }
        depth += 1
        defer { depth -= 1 }
        guard depth < 512 else { return .malformed }
        i += 1
        skipSpace()
        if current == UInt8(ascii: "]") { i += 1; return .value(0) }
        var index = 0
        while true {
            guard element(&self, index) else { return .malformed }
            index += 1
            skipSpace()
            switch current {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .value(index)
            default: return .malformed
            }
        }
    }

    /// Reads the string at the cursor.
    public mutating func readString() -> Found<String> {
        skipSpace()
        guard current == UInt8(ascii: "\"") else { return .other }
        return string().map { .value($0) } ?? .malformed
    }

    /// Reads the number at the cursor as ``JSONValue/intValue`` does (a number that is not a
    /// whole one in range counts as another kind).
    public mutating func readInt() -> Found<Int> {
        skipSpace()
        guard let c = current, c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) else { return .other }
        let start = i
        guard let number = number() else { return .malformed }
        guard let whole = number.intValue else {
            i = start
            return .other
        }
        return .value(whole)
    }
}
