/// Finds the top-level `"user": "..."` string of a JSON object fed to it in pieces, without
/// parsing or keeping the document: the gateway uses it on the first bytes of a streamed request
/// body to pick a sticky arm.
///
/// It tracks only nesting depth and string state, so `"role": "user"` inside `messages` never
/// matches; a `user` that is not a string is ignored. Escapes inside the value are kept as
/// written (the value is only a hash key).
struct UserFieldScanner {
    private enum State {
        case outside            // between tokens
        case key                // inside a string at depth 1 that is a key
        case afterKey           // after a key at depth 1, before its ':'
        case beforeValue        // after ':' of the `user` key
        case value              // inside the `user` string value
        case otherString        // inside any other string
    }

    private var state = State.outside
    private var depth = 0
    private var escaped = false
    /// At depth 1, whether the next string is a key (after `{` or `,`).
    private var expectingKey = false
    private var keyBytes: [UInt8] = []
    private var keyIsUser = false
    private var valueBytes: [UInt8] = []
    private(set) var user: String?
    /// Set when the document cannot hold a top-level `user` any more (it is not an object, or the
    /// object ended).
    private(set) var gaveUp = false

    var isDone: Bool { user != nil || gaveUp }

    mutating func feed(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            if isDone { return }
            step(byte)
        }
    }

    private mutating func step(_ byte: UInt8) {
        switch state {
        case .key, .value, .otherString:
            if escaped { escaped = false; append(byte); return }
            if byte == UInt8(ascii: "\\") { escaped = true; append(byte); return }
            if byte == UInt8(ascii: "\"") { closeString(); return }
            append(byte)
        case .afterKey:
            if byte == UInt8(ascii: ":") { state = keyIsUser ? .beforeValue : .outside }
        case .beforeValue:
            if Self.isSpace(byte) { return }
            if byte == UInt8(ascii: "\"") { state = .value; valueBytes = []; return }
            // `user` is not a string: forget it and scan on from this byte.
            state = .outside
            keyIsUser = false
            step(byte)
        case .outside:
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 && byte == UInt8(ascii: "[") { gaveUp = true; return }
                depth += 1
                expectingKey = depth == 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth <= 0 { gaveUp = true }
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            case UInt8(ascii: "\""):
                if depth == 1 && expectingKey {
                    state = .key
                    keyBytes = []
                } else {
                    state = .otherString
                }
            default:
                if depth == 0 && !Self.isSpace(byte) { gaveUp = true }
            }
        }
    }

    private mutating func append(_ byte: UInt8) {
        switch state {
        case .key: if keyBytes.count < 8 { keyBytes.append(byte) } else { keyBytes = [0] }
        case .value: if valueBytes.count < 1024 { valueBytes.append(byte) }
        default: break
        }
    }

    private mutating func closeString() {
        switch state {
        case .key:
            keyIsUser = keyBytes == Array("user".utf8)
            expectingKey = false
            state = .afterKey
        case .value:
            user = String(decoding: valueBytes, as: UTF8.self)
            state = .outside
        default:
            state = .outside
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
