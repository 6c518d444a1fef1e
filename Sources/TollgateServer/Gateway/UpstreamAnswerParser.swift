import NIOCore

/// How the body of an upstream answer is delimited (RFC 9112 section 6.3).
enum AnswerFraming: Equatable, Sendable {
    /// No body: the answer to a HEAD request, a 204 or a 304.
    case none
    /// `Content-Length` bytes.
    case length(Int)
    /// `Transfer-Encoding: chunked`.
    case chunked
    /// Everything until the upstream closes the connection.
    case untilClose
}

/// The head of an upstream answer: what the gateway needs to know of it, and the bytes of it
/// that go on to the client.
struct UpstreamAnswerHead {
    var status: Int
    var contentType: String?
    /// Whether the upstream connection can carry another request after this answer.
    var keepAlive: Bool
    var framing: AnswerFraming
    /// Whether the upstream said its body is chunked (also on an answer to HEAD, which has none).
    var declaredChunked: Bool
    /// The head for the client so far: `HTTP/1.1 <status> <reason>` and the upstream's header
    /// lines that a proxy forwards (``HopByHopHeaders/forwardsAnswerField(_:connectionNamed:)``),
    /// each as the upstream wrote it, and `content-length` when the body is delimited by it. The
    /// gateway adds its own lines and the empty line that ends the head.
    var bytes: ByteBuffer
}

/// An upstream answer that is not HTTP/1: what is wrong with it, in words for the error message.
struct MalformedAnswer: Error, CustomStringConvertible, Equatable {
    var description: String
}

/// Reads the answers of one upstream connection from its bytes, one answer per request written
/// (``expectAnswer(toHEAD:)``), without NIO's HTTP/1 decoder: the head is checked and filtered
/// in the buffer it came in and passed on as bytes, and the body is passed on as the slices it
/// came in. A chunked body is given twice: its content (for measuring, and for a client that
/// cannot take chunks) and its bytes as sent, framing included (for a client that can).
///
/// Strict where a proxy must be (status line, header names, control bytes in values, chunk
/// sizes, conflicting lengths, folded lines are errors), lenient where RFC 9112 allows (a bare LF
/// ends a line). Informational (1xx) answers before the real one are skipped.
struct UpstreamAnswerParser {
    /// The longest head (or chunk trailer section) accepted.
    static let maxHeadBytes = 64 * 1024

    /// What a piece of bytes held.
    enum Event {
        case head(UpstreamAnswerHead)
        /// Body bytes of a length- or close-delimited body: as sent and content at once.
        case body(ByteBuffer)
        /// Content of a chunked body, framing removed.
        case chunkContent(ByteBuffer)
        /// A chunked body's bytes as sent, framing included; after the ``chunkContent(_:)``
        /// events of the same bytes.
        case chunkedBytes(ByteBuffer)
        /// The answer is complete.
        case end
    }

    private enum ChunkLine { case size, extensions, lineFeed }

    private enum State {
        /// No answer expected: no request is waiting.
        case idle
        case head
        case length(remaining: Int)
        case chunkSize(size: Int, digits: Int, lineBytes: Int, part: ChunkLine)
        case chunkData(remaining: Int)
        case chunkDataEnd(sawCR: Bool)
        case trailers(lineHasBytes: Bool, bytes: Int)
        case untilClose
    }

    private var state = State.idle
    private var answersHEAD = false
    /// The bytes of a head that arrived in pieces.
    private var partialHead: ByteBuffer?
    /// Where, in the partial head, the line being searched for its end begins.
    private var searchFrom = 0
    /// Header lines of the head being read (name and value ranges), kept between answers.
    private var fields: [Field] = []

    private struct Field {
        var lineStart: Int
        var nameEnd: Int
        var valueStart: Int
        var valueEnd: Int
    }

    /// A request went out: its answer comes next.
    mutating func expectAnswer(toHEAD: Bool) {
        answersHEAD = toHEAD
        state = .head
        partialHead = nil
        searchFrom = 0
    }

    /// The upstream closed the connection: whether that completed the answer (a close-delimited body).
    mutating func closed() -> Bool {
        guard case .untilClose = state else { return false }
        state = .idle
        return true
    }

    /// Reads what `buffer` holds of the current answer into `events`. Returns whether bytes were
    /// left after the answer ended (the connection then cannot be trusted with another request).
    mutating func parse(_ buffer: inout ByteBuffer, into events: inout [Event]) throws -> Bool {
        while buffer.readableBytes > 0 {
            switch state {
            case .idle:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return true
            case .head:
                guard let head = try readHead(&buffer) else { return false }
                if head.status < 200 {
                    state = .head
                    continue
                }
                events.append(.head(head))
                switch head.framing {
                case .none, .length(0):
                    state = .idle
                    events.append(.end)
                case .length(let length): state = .length(remaining: length)
                case .chunked: state = .chunkSize(size: 0, digits: 0, lineBytes: 0, part: .size)
                case .untilClose: state = .untilClose
                }
            case .length(let remaining):
                let count = min(remaining, buffer.readableBytes)
                events.append(.body(buffer.readSlice(length: count)!))
                if count == remaining {
                    state = .idle
                    events.append(.end)
                } else {
                    state = .length(remaining: remaining - count)
                }
            case .untilClose:
                events.append(.body(buffer.readSlice(length: buffer.readableBytes)!))
            case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
                // The same bytes, still readable from here: the slice of what the chunks took.
                let unread = buffer
                let ended: Bool
                do {
                    ended = try readChunked(&buffer, into: &events)
                } catch {
                    let taken = buffer.readerIndex - unread.readerIndex
                    if taken > 0 { events.append(.chunkedBytes(unread.getSlice(at: unread.readerIndex, length: taken)!)) }
                    throw error
                }
                events.append(.chunkedBytes(unread.getSlice(at: unread.readerIndex, length: buffer.readerIndex - unread.readerIndex)!))
                if ended {
                    state = .idle
                    events.append(.end)
                }
            }
        }
        return false
    }

    // MARK: Chunked bodies

    /// Reads chunk framing and data up to the end of `buffer` or of the body (returns true then).
    private mutating func readChunked(_ buffer: inout ByteBuffer, into events: inout [Event]) throws -> Bool {
        while buffer.readableBytes > 0 {
            switch state {
            case .chunkData(let remaining):
                let count = min(remaining, buffer.readableBytes)
                events.append(.chunkContent(buffer.readSlice(length: count)!))
                state = count == remaining ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - count)
                continue
            default:
                break
            }
            // Taken only once accepted: bytes before a malformed one still count as sent.
            let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
            var bodyEnded = false
            switch state {
            case .chunkSize(let size, let digits, let lineBytes, let part):
                guard lineBytes < Self.maxHeadBytes else { throw MalformedAnswer(description: "a chunk-size line longer than \(Self.maxHeadBytes) bytes") }
                var endOfLine = false
                switch part {
                case .size:
                    if let value = Self.hexValue(byte) {
                        guard digits < 15 else { throw MalformedAnswer(description: "a chunk size of more than 15 hex digits") }
                        state = .chunkSize(size: size << 4 | value, digits: digits + 1, lineBytes: lineBytes + 1, part: .size)
                    } else if digits > 0, byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                        state = .chunkSize(size: size, digits: digits, lineBytes: lineBytes + 1, part: .extensions)
                    } else if digits > 0, byte == UInt8(ascii: "\r") {
                        state = .chunkSize(size: size, digits: digits, lineBytes: lineBytes + 1, part: .lineFeed)
                    } else if digits > 0, byte == UInt8(ascii: "\n") {
                        endOfLine = true
                    } else {
                        throw MalformedAnswer(description: "a chunk size that is not hexadecimal (byte 0x\(String(byte, radix: 16)))")
                    }
                case .extensions:
                    if byte == UInt8(ascii: "\n") {
                        endOfLine = true
                    } else {
                        state = .chunkSize(size: size, digits: digits, lineBytes: lineBytes + 1, part: byte == UInt8(ascii: "\r") ? .lineFeed : .extensions)
                    }
                case .lineFeed:
                    guard byte == UInt8(ascii: "\n") else { throw MalformedAnswer(description: "a carriage return inside a chunk-size line") }
                    endOfLine = true
                }
                if endOfLine {
                    state = size == 0 ? .trailers(lineHasBytes: false, bytes: 0) : .chunkData(remaining: size)
                }
            case .chunkDataEnd(let sawCR):
                if byte == UInt8(ascii: "\n") {
                    state = .chunkSize(size: 0, digits: 0, lineBytes: 0, part: .size)
                } else if byte == UInt8(ascii: "\r"), !sawCR {
                    state = .chunkDataEnd(sawCR: true)
                } else {
                    throw MalformedAnswer(description: "chunk data longer than its chunk size")
                }
            case .trailers(let lineHasBytes, let bytes):
                guard bytes < Self.maxHeadBytes else { throw MalformedAnswer(description: "chunk trailers longer than \(Self.maxHeadBytes) bytes") }
                if byte == UInt8(ascii: "\n") {
                    bodyEnded = !lineHasBytes
                    state = .trailers(lineHasBytes: false, bytes: bytes + 1)
                } else {
                    state = .trailers(lineHasBytes: lineHasBytes || byte != UInt8(ascii: "\r"), bytes: bytes + 1)
                }
            default:
                preconditionFailure("readChunked outside a chunked body")
            }
            buffer.moveReaderIndex(forwardBy: 1)
            if bodyEnded { return true }
        }
        return false
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    // MARK: The head

    /// Takes a complete head from `buffer` (joined with earlier pieces), or keeps the piece and
    /// returns nil.
    private mutating func readHead(_ buffer: inout ByteBuffer) throws -> UpstreamAnswerHead? {
        var source: ByteBuffer
        if var partial = partialHead {
            partial.writeImmutableBuffer(buffer)
            source = partial
        } else {
            source = buffer
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        guard let length = headLength(source) else {
            guard source.readableBytes <= Self.maxHeadBytes else { throw MalformedAnswer(description: "an answer head longer than \(Self.maxHeadBytes) bytes") }
            partialHead = source
            return nil
        }
        partialHead = nil
        searchFrom = 0
        let headBytes = source.readSlice(length: length)!
        buffer = source
        return try headBytes.withUnsafeReadableBytes { bytes in try makeHead(bytes) }
    }

    /// The length of the head at the start of `source` (up to and including the empty line), if it is all there.
    private mutating func headLength(_ source: ByteBuffer) -> Int? {
        source.withUnsafeReadableBytes { bytes in
            var lineStart = searchFrom
            var i = lineStart
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "\n") {
                    let lineLength = i - lineStart
                    if lineLength == 0 || (lineLength == 1 && bytes[lineStart] == UInt8(ascii: "\r")) {
                        // The first line (the status line) cannot be the empty line.
                        if lineStart > 0 { return i + 1 }
                    }
                    lineStart = i + 1
                }
                i += 1
            }
            searchFrom = lineStart
            return nil
        }
    }

    private mutating func makeHead(_ bytes: UnsafeRawBufferPointer) throws -> UpstreamAnswerHead {
        // The status line: HTTP/1.x SP 3DIGIT [SP reason].
        var lineEnd = 0
        while bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        let statusEnd = lineEnd > 0 && bytes[lineEnd - 1] == UInt8(ascii: "\r") ? lineEnd - 1 : lineEnd
        let prefix = "HTTP/1.".utf8
        guard statusEnd >= 12, zip(prefix, bytes).allSatisfy({ $0 == $1 }),
              bytes[7] == UInt8(ascii: "0") || bytes[7] == UInt8(ascii: "1"), bytes[8] == UInt8(ascii: " "),
              (9..<12).allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }),
              statusEnd == 12 || bytes[12] == UInt8(ascii: " ") else {
            throw MalformedAnswer(description: "a status line that is not HTTP/1 (\(Self.quote(bytes, 0, statusEnd)))")
        }
        let minor = bytes[7] - UInt8(ascii: "0")
        let status = (9..<12).reduce(0) { $0 * 10 + Int(bytes[$1] - UInt8(ascii: "0")) }
        guard status >= 100 else { throw MalformedAnswer(description: "the status code \(status)") }
        if let control = (9..<statusEnd).first(where: { Self.isForbidden(bytes[$0]) }) {
            throw MalformedAnswer(description: "a control byte 0x\(String(bytes[control], radix: 16)) in the status line")
        }

        // The header lines.
        fields.removeAll(keepingCapacity: true)
        var lineStart = lineEnd + 1
        var contentLength: Int?
        var chunked = false
        var otherCoding = false
        var close = false
        var keepAliveToken = false
        var named: [String] = []
        var contentType: String?
        while true {
            var end = lineStart
            while bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let contentEnd = end > lineStart && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
            if contentEnd == lineStart { break }
            let field = try Self.field(bytes, lineStart, contentEnd)
            let name = UnsafeRawBufferPointer(rebasing: bytes[field.lineStart..<field.nameEnd])
            let value = UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd])
            if HopByHopHeaders.equalsIgnoringCase(name, "content-length") {
                guard !value.isEmpty, value.count <= 18, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                    throw MalformedAnswer(description: "a Content-Length that is not a number (\(Self.quote(value, 0, value.count)))")
                }
                let length = value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                if let contentLength, contentLength != length { throw MalformedAnswer(description: "two different Content-Length values (\(contentLength) and \(length))") }
                contentLength = length
            } else if HopByHopHeaders.equalsIgnoringCase(name, "transfer-encoding") {
                // The last coding decides (RFC 9112 6.3): chunked, or read until the close.
                var last: Slice<UnsafeRawBufferPointer>?
                HopByHopHeaders.forEachToken(in: value) { last = $0 }
                if let last {
                    chunked = HopByHopHeaders.equalsIgnoringCase(last, "chunked")
                    otherCoding = !chunked
                }
            } else if HopByHopHeaders.equalsIgnoringCase(name, "connection") {
                HopByHopHeaders.forEachToken(in: value) { token in
                    if HopByHopHeaders.equalsIgnoringCase(token, "close") {
                        close = true
                    } else if HopByHopHeaders.equalsIgnoringCase(token, "keep-alive") {
                        keepAliveToken = true
                    } else {
                        named.append(String(decoding: token, as: UTF8.self).lowercased())
                    }
                }
            } else if HopByHopHeaders.equalsIgnoringCase(name, "content-type") {
                contentType = String(decoding: value, as: UTF8.self)
            }
            fields.append(field)
            lineStart = end + 1
        }

        let framing: AnswerFraming
        if answersHEAD || status == 204 || status == 304 || status < 200 {
            framing = .none
        } else if chunked {
            framing = .chunked
        } else if otherCoding {
            framing = .untilClose
        } else if let contentLength {
            framing = .length(contentLength)
        } else {
            framing = .untilClose
        }
        let keepAlive = !close && (minor == 1 || keepAliveToken) && framing != .untilClose

        var out = ByteBufferAllocator().buffer(capacity: bytes.count + 160)
        out.writeStaticString("HTTP/1.1")
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[8..<statusEnd]))
        out.writeStaticString("\r\n")
        for field in fields {
            let name = UnsafeRawBufferPointer(rebasing: bytes[field.lineStart..<field.nameEnd])
            guard HopByHopHeaders.forwardsAnswerField(name, connectionNamed: named) else { continue }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.lineStart..<field.valueEnd]))
            out.writeStaticString("\r\n")
        }
        // A length goes on only where it delimits the body (or describes the body a HEAD or 304 leaves out).
        if let contentLength, !chunked, !otherCoding, status != 204 {
            out.writeStaticString("content-length: ")
            out.writeString(String(contentLength))
            out.writeStaticString("\r\n")
        }
        return UpstreamAnswerHead(status: status, contentType: contentType, keepAlive: keepAlive, framing: framing,
                                  declaredChunked: chunked, bytes: out)
    }

    /// One header line `name: value` between `start` and `end` (line end excluded), checked.
    private static func field(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws -> Field {
        guard bytes[start] != UInt8(ascii: " "), bytes[start] != UInt8(ascii: "\t") else {
            throw MalformedAnswer(description: "a folded header line (\(quote(bytes, start, end)))")
        }
        var colon = start
        while colon < end, bytes[colon] != UInt8(ascii: ":") {
            guard isTokenByte(bytes[colon]) else { throw MalformedAnswer(description: "a header name with byte 0x\(String(bytes[colon], radix: 16)) (\(quote(bytes, start, end)))") }
            colon += 1
        }
        guard colon < end, colon > start else { throw MalformedAnswer(description: "a header line without a name and a colon (\(quote(bytes, start, end)))") }
        var valueStart = colon + 1
        var valueEnd = end
        while valueStart < valueEnd, bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t") { valueStart += 1 }
        while valueEnd > valueStart, bytes[valueEnd - 1] == UInt8(ascii: " ") || bytes[valueEnd - 1] == UInt8(ascii: "\t") { valueEnd -= 1 }
        if let control = (valueStart..<valueEnd).first(where: { isForbidden(bytes[$0]) }) {
            throw MalformedAnswer(description: "a control byte 0x\(String(bytes[control], radix: 16)) in the value of \(quote(bytes, start, colon))")
        }
        return Field(lineStart: start, nameEnd: colon, valueStart: valueStart, valueEnd: valueEnd)
    }

    /// Bytes not allowed in a field value or reason phrase (RFC 9110 5.5): controls other than tab, and DEL.
    private static func isForbidden(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
    }

    /// A `tchar` of RFC 9110 5.6.2.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Up to 80 bytes of the line, quoted for a message (control bytes escaped).
    private static func quote(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        let shown = bytes[start..<min(end, start + 80)].map { byte in
            byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }.joined()
        return "\"" + shown + (end - start > 80 ? "…" : "") + "\""
    }
}
