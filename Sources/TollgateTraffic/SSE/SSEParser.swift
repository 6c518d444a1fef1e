/// One event dispatched by ``SSEParser``: the `event` type, the joined `data` lines and the last event id.
public struct SSEEvent: Sendable, Equatable {
    /// The event type (`message` when the server named none).
    public var type: String
    /// The `data:` lines of the event joined with `\n`.
    public var data: String
    /// The last event id seen in the stream, if any.
    public var lastEventID: String?

    public init(type: String = "message", data: String, lastEventID: String? = nil) {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}

/// An incremental, byte-level parser of `text/event-stream`, following the WHATWG HTML
/// specification, section 9.2.6 "Event stream interpretation".
///
/// Feed it bytes exactly as they arrive from the network (an event, a line, a CRLF pair or a
/// UTF-8 sequence may be split anywhere); it returns the events completed by those bytes.
/// Lines end in CRLF, LF or CR; `:` lines are comments; `data:` lines of one event are joined
/// with `\n`; a blank line dispatches the event; an event without data is not dispatched.
/// One deliberate deviation: at the end of the stream ``finish()`` dispatches a final event whose
/// blank line never came (the spec discards it), because a server that closed right after its
/// last `data:` line has still sent that data.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastByteWasCR = false
    private var atStreamStart = true
    private var dataBuffer: [UInt8] = []
    private var hasData = false
    private var eventType = ""
    private var lastEventID: String?
    /// The reconnection time the server asked for with `retry:`, in milliseconds.
    public private(set) var retryMs: Int?

    public init() {}

    /// Parses `bytes` and returns every event they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        if let events = bytes.withContiguousStorageIfAvailable({ feed(UnsafeRawBufferPointer($0)) }) {
            return events
        }
        return Array(bytes).withUnsafeBytes { feed($0) }
    }

    /// Parses `bytes` and returns every event they complete, in order. The gateway calls this
    /// once per chunk of every stream it passes on: the text between line ends is copied in
    /// one piece, not byte by byte.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [SSEEvent] {
        var events: [SSEEvent] = []
        var index = 0
        while index < bytes.count {
            if atStreamStart {
                // A UTF-8 byte order mark at the very start is skipped (EF BB BF).
                let byte = bytes[index]
                if line.count < 3, Self.bom[line.count] == byte, lastByteWasCR == false {
                    line.append(byte)
                    if line.count == 3 { line.removeAll(keepingCapacity: true); atStreamStart = false }
                    index += 1
                    continue
                }
                atStreamStart = false
            }
            var lineEnd = index
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A, bytes[lineEnd] != 0x0D { lineEnd += 1 }
            if lineEnd > index {
                lastByteWasCR = false
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<lineEnd]))
            }
            guard lineEnd < bytes.count else { break }
            if bytes[lineEnd] == 0x0A { // LF
                if lastByteWasCR {
                    lastByteWasCR = false // second half of a CRLF pair: the line already ended
                } else {
                    endLine(into: &events)
                }
            } else { // CR
                endLine(into: &events)
                lastByteWasCR = true
            }
            index = lineEnd + 1
        }
        return events
    }

    /// Ends the stream: processes an unterminated last line and returns a final event whose blank
    /// line never arrived (see the type's documentation).
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        dispatch(into: &events)
        lastByteWasCR = false
        return events
    }

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    private mutating func endLine(into events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line[0] == UInt8(ascii: ":") { return } // comment or keep-alive
        let field: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = []
        }
        if field.elementsEqual("data".utf8) {
            if hasData { dataBuffer.append(0x0A) }
            dataBuffer.append(contentsOf: value)
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            eventType = String(decoding: value, as: UTF8.self)
        } else if field.elementsEqual("id".utf8) {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if field.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
               let ms = Int(String(decoding: value, as: UTF8.self)) {
                retryMs = ms
            }
        }
        // Unknown fields are ignored.
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            hasData = false
            eventType = ""
        }
        guard hasData else { return }
        events.append(SSEEvent(
            type: eventType.isEmpty ? "message" : eventType,
            data: String(decoding: dataBuffer, as: UTF8.self),
            lastEventID: lastEventID
        ))
    }
}
