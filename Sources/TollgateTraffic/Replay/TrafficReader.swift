import Foundation
public import TollgateCore

/// One request read from a recorded traffic file.
public struct TrafficRequest: Sendable, Equatable {
    /// The line's `id`, or `line-N` when it has none.
    public var id: String
    /// The recorded send time in seconds (`ts`: a number, or an ISO 8601 date), if any.
    public var ts: Double?
    /// The OpenAI request body.
    public var body: JSONValue
    public var tags: [String]
    /// 1-based line number in the file.
    public var line: Int
}

/// A line of a traffic file that could not be used, with the reason.
public struct MalformedLine: Sendable, Equatable, Codable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// What a traffic file holds, counted by ``TrafficReader/census(path:)``.
public struct TrafficCensus: Sendable, Equatable {
    public var requests = 0
    public var malformed = 0
    public var firstMalformed: MalformedLine?

    /// Why the file cannot feed a rollout (no usable request), or `nil` when it can.
    public var problem: String? {
        guard requests == 0 else { return nil }
        guard let first = firstMalformed else { return "the traffic file has no request (it is empty)" }
        return "the traffic file has no usable request: all \(malformed) non-empty line\(malformed == 1 ? " is" : "s are") malformed (first: \(first))"
    }

    public init() {}
}

/// What the reader found on one non-empty line.
public enum TrafficEntry: Sendable, Equatable {
    case request(TrafficRequest)
    case malformed(MalformedLine)
}

/// Reads a JSON Lines traffic file one line at a time in fixed-size blocks, so memory stays flat
/// whatever the file's length. Each line is a bare OpenAI request body or
/// `{"id": …, "ts": …, "body": {…}, "tags": […]}`; blank lines are skipped; a bad line is
/// returned as ``TrafficEntry/malformed(_:)`` and reading goes on.
public final class TrafficReader {
    public let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var lineNumber = 0
    private let maxLineBytes: Int

    public init(path: String, maxLineBytes: Int = 16 << 20) throws(TrafficError) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw .trafficFileUnreadable(path: path, reason: exists ? "permission denied" : "no such file")
        }
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// The next request or malformed line; `nil` at the end of the file.
    public func next() -> TrafficEntry? {
        while let (bytes, overflow) = nextLine() {
            lineNumber += 1
            if overflow {
                return .malformed(MalformedLine(line: lineNumber, reason: "the line is longer than \(maxLineBytes) bytes"))
            }
            var lo = 0
            var hi = bytes.count
            while lo < hi, Self.isSpace(bytes[lo]) { lo += 1 }
            while hi > lo, Self.isSpace(bytes[hi - 1]) { hi -= 1 }
            if lo == hi { continue }
            return parse(Array(bytes[lo..<hi]), line: lineNumber)
        }
        return nil
    }

    /// Reads a whole traffic file once (memory stays flat) and counts its usable requests and its
    /// malformed lines: `validate` and `rollout start` refuse a file with no usable request.
    public static func census(path: String) throws(TrafficError) -> TrafficCensus {
        let reader = try TrafficReader(path: path)
        var census = TrafficCensus()
        while let entry = reader.next() {
            switch entry {
            case .request: census.requests += 1
            case .malformed(let line):
                census.malformed += 1
                if census.firstMalformed == nil { census.firstMalformed = line }
            }
        }
        return census
    }

    /// Counts the non-empty lines of a file without keeping them (for progress totals).
    public static func countLines(path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var count = 0
        var lineHasText = false
        while let data = try? handle.read(upToCount: 1 << 16), !data.isEmpty {
            for byte in data {
                if byte == 0x0A {
                    if lineHasText { count += 1 }
                    lineHasText = false
                } else if !isSpace(byte) {
                    lineHasText = true
                }
            }
        }
        return lineHasText ? count + 1 : count
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    private func nextLine() -> ([UInt8], Bool)? {
        var line: [UInt8] = []
        var overflow = false
        while true {
            if position >= buffer.count {
                if atEnd { return line.isEmpty && !overflow ? nil : (line, overflow) }
                let data = (try? handle.read(upToCount: 1 << 16)) ?? Data()
                if data.isEmpty { atEnd = true; continue }
                buffer = Array(data)
                position = 0
            }
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                if !overflow { line.append(contentsOf: buffer[position..<newline]) }
                position = newline + 1
                return (line, overflow || line.count > maxLineBytes)
            }
            if !overflow { line.append(contentsOf: buffer[position...]) }
            position = buffer.count
            if line.count > maxLineBytes {
                overflow = true
                line = []
            }
        }
    }

    private func parse(_ bytes: [UInt8], line: Int) -> TrafficEntry {
        func bad(_ reason: String) -> TrafficEntry { .malformed(MalformedLine(line: line, reason: reason)) }
        guard let value = JSONValue.parse(bytes) else { return bad("not valid JSON") }
        guard let object = value.objectValue else { return bad("not a JSON object") }
        var id = "line-\(line)"
        var ts: Double?
        var tags: [String] = []
        let body: JSONValue
        if let wrapped = object["body"] {
            guard wrapped.objectValue != nil else { return bad("'body' is not a JSON object") }
            body = wrapped
            switch object["id"] {
            case .string(let s)?: id = s
            case .integer(let i)?: id = String(i)
            case nil, .null?: break
            default: return bad("'id' must be a string or an integer")
            }
            switch object["ts"] {
            case .integer(let i)?: ts = Double(i)
            case .number(let d)?: ts = d
            case .string(let s)?:
                guard let date = Self.parseDate(s) else { return bad("'ts' is neither a number of seconds nor an ISO 8601 date") }
                ts = date.timeIntervalSince1970
            case nil, .null?: break
            default: return bad("'ts' must be a number of seconds or an ISO 8601 date")
            }
            if let t = object["tags"] {
                guard let list = t.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                    return bad("'tags' must be an array of strings")
                }
                tags = list.compactMap(\.stringValue)
            }
        } else {
            body = value
        }
        let hasMessages = body["messages"]?.arrayValue.map { !$0.isEmpty } ?? false
        let hasPrompt = body["prompt"].map { $0.stringValue != nil || $0.arrayValue != nil } ?? false
        let hasInput = body["input"] != nil
        guard hasMessages || hasPrompt || hasInput else {
            return bad("the request body has no 'messages', 'prompt' or 'input'")
        }
        return .request(TrafficRequest(id: id, ts: ts, body: body, tags: tags, line: line))
    }

    private static func parseDate(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withFraction.date(from: text) { return d }
        return ISO8601DateFormatter().date(from: text)
    }
}
