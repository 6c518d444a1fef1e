import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import TollgateServer

/// The gateway's reader of upstream answers, against NIO's HTTP/1 response decoder (llhttp) as
/// the independent reference: the same status, forwarded headers, body and end for every answer,
/// however its bytes are split.
@Suite("Upstream answer parser")
struct UpstreamAnswerParserTests {
    /// What the parser made of one answer.
    struct Reading: Equatable {
        var status = 0
        var head = ""
        var keepAlive = false
        var framing = AnswerFraming.none
        var contentType: String?
        var content: [UInt8] = []
        var chunkedBytes: [UInt8] = []
        var ended = false
        var leftOver = false
    }

    /// Feeds `answer` in pieces cut at `cuts` (offsets), closing the connection at the end when `close`.
    static func read(_ answer: [UInt8], cuts: [Int] = [], toHEAD: Bool = false, close: Bool = false) throws -> Reading {
        var parser = UpstreamAnswerParser()
        parser.expectAnswer(toHEAD: toHEAD)
        var reading = Reading()
        var events: [UpstreamAnswerParser.Event] = []
        var start = 0
        for end in cuts + [answer.count] where end >= start {
            var buffer = ByteBuffer(bytes: answer[start..<end])
            start = end
            events.removeAll()
            if try parser.parse(&buffer, into: &events) { reading.leftOver = true }
            for event in events {
                switch event {
                case .head(let head):
                    reading.status = head.status
                    reading.head = String(buffer: head.bytes)
                    reading.keepAlive = head.keepAlive
                    reading.framing = head.framing
                    reading.contentType = head.contentType
                case .body(let body):
                    reading.content += Array(body.readableBytesView)
                case .chunkContent(let content):
                    reading.content += Array(content.readableBytesView)
                case .chunkedBytes(let bytes):
                    reading.chunkedBytes += Array(bytes.readableBytesView)
                case .end:
                    reading.ended = true
                }
            }
        }
        if close, parser.closed() { reading.ended = true }
        return reading
    }

    /// What NIO's decoder makes of the same answer: status, headers a proxy forwards, body, end.
    static func nio(_ answer: [UInt8], toHEAD: Bool = false, close: Bool = false) throws -> (status: Int, fields: [String], body: [UInt8], ended: Bool) {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        try channel.writeOutbound(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: toHEAD ? .HEAD : .GET, uri: "/")))
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        try channel.writeInbound(ByteBuffer(bytes: answer))
        if close { channel.pipeline.fireChannelInactive() }
        var status = 0, fields: [String] = [], body: [UInt8] = [], ended = false
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let head) where head.status.code >= 200:
                status = Int(head.status.code)
                let named = head.headers["connection"].flatMap { $0.split(separator: ",") }
                    .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                for (name, value) in head.headers where HopByHopHeaders.forwardsAnswerField(name.utf8, connectionNamed: named) {
                    // llhttp keeps spaces after a value, which are not part of it (RFC 9110 5.5).
                    fields.append("\(name): \(value.trimmingCharacters(in: .whitespaces))")
                }
            case .head: break
            case .body(let buffer): body += Array(buffer.readableBytesView)
            case .end: ended = true
            }
        }
        _ = try? channel.finish()
        return (status, fields, body, ended)
    }

    /// The header lines of a head the parser made as `name: value` (spaces around the value
    /// trimmed), without the status line and the length it writes itself.
    static func fields(_ head: String) -> [String] {
        head.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty && !$0.hasPrefix("content-length: ") }.map { line in
            let colon = line.firstIndex(of: ":")!
            return line[..<colon] + ": " + line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    static let wellFormed: [(name: String, answer: String, toHEAD: Bool, close: Bool)] = [
        ("length", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\nX-Other:  spaced value \t\r\n\r\nhello", false, false),
        ("empty body", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", false, false),
        ("chunked with extensions and trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n", false, false),
        ("chunked after another coding", "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", false, false),
        ("informational answers first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </style.css>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok", false, false),
        ("no content", "HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n", false, false),
        ("not modified", "HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n", false, false),
        ("head", "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n", true, false),
        ("1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", false, false),
        ("until close", "HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nall of this until the close", false, true),
        ("connection names headers", "HTTP/1.1 500 Internal Server Error\r\nConnection: x-private, close\r\nX-Private: 1\r\nx-public: 2\r\nkeep-alive: timeout=5\r\nContent-Length: 4\r\n\r\noops", false, false),
        ("gateway's own headers replaced", "HTTP/1.1 200 OK\r\nx-tollgate-arm: candidate\r\nX-Request-ID: theirs\r\ncontent-length: 1\r\n\r\n!", false, false),
    ]

    @Test("well-formed answers read as NIO's decoder reads them, split anywhere")
    func agreesWithNIO() throws {
        for (name, text, toHEAD, close) in Self.wellFormed {
            let answer = Array(text.utf8)
            let whole = try Self.read(answer, toHEAD: toHEAD, close: close)
            let reference = try Self.nio(answer, toHEAD: toHEAD, close: close)
            #expect(whole.status == reference.status, "\(name)")
            #expect(Self.fields(whole.head) == reference.fields, "\(name): \(whole.head)")
            #expect(whole.content == reference.body, "\(name)")
            #expect(whole.ended && reference.ended, "\(name)")
            #expect(!whole.leftOver, "\(name)")
            #expect(whole.head.hasPrefix("HTTP/1.1 \(whole.status)"), "\(name): \(whole.head)")
            if whole.framing == .chunked {
                // The bytes as sent: everything after the head, framing included.
                let headLength = text.utf8.count - whole.chunkedBytes.count
                #expect(Array(answer[headLength...]) == whole.chunkedBytes, "\(name)")
                #expect(text.utf8.prefix(headLength).suffix(4).elementsEqual("\r\n\r\n".utf8), "\(name)")
            }
            for cut in 1..<answer.count {
                #expect(try Self.read(answer, cuts: [cut], toHEAD: toHEAD, close: close) == whole, "\(name) cut at \(cut)")
            }
            #expect(try Self.read(answer, cuts: Array(1..<answer.count), toHEAD: toHEAD, close: close) == whole, "\(name) byte by byte")
        }
    }

    /// Answers NIO's decoder refuses (llhttp is stricter than RFC 9112 asks of a recipient)
    /// that the parser reads: each with the reading it must give.
    @Test("answers RFC 9112 lets a recipient accept", arguments: [
        ("HTTP/1.1 200 OK\ncontent-length: 2\n\nok", 200, "ok"),
        ("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nContent-Length: 2\r\n\r\nok", 200, "ok"),
        ("HTTP/1.1 404\r\ncontent-length: 0\r\n\r\n", 404, ""),
        ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2 ;x=1\r\nab\r\n1\t\r\nc\r\n0\r\n\r\n", 200, "abc"),
        // Transfer-Encoding overrides a length, which is not forwarded (RFC 9112 6.3).
        ("HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", 200, "ab"),
    ])
    func lenient(_ text: String, _ status: Int, _ content: String) throws {
        let answer = Array(text.utf8)
        let whole = try Self.read(answer)
        #expect(whole.status == status && whole.content == Array(content.utf8) && whole.ended && !whole.leftOver, "\(whole)")
        #expect(whole.head.components(separatedBy: "\r\n").filter { $0.lowercased().hasPrefix("content-length") }.count == (whole.framing == .chunked ? 0 : 1), "\(whole.head)")
        for cut in 1..<answer.count { #expect(try Self.read(answer, cuts: [cut]) == whole, "cut at \(cut)") }
    }

    @Test("what a proxy needs to know of the head")
    func headFacts() throws {
        let sse = try Self.read(Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8))
        #expect(sse.framing == .chunked && sse.keepAlive && sse.contentType == "text/event-stream")
        let closing = try Self.read(Array("HTTP/1.1 500 Internal Server Error\r\nConnection: x-private, close\r\nX-Private: 1\r\nx-public: 2\r\nContent-Length: 4\r\n\r\noops".utf8))
        #expect(!closing.keepAlive && closing.framing == .length(4))
        #expect(closing.head == "HTTP/1.1 500 Internal Server Error\r\nx-public: 2\r\ncontent-length: 4\r\n")
        let old = try Self.read(Array("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8))
        #expect(!old.keepAlive)
        let untilClose = try Self.read(Array("HTTP/1.1 200 OK\r\n\r\nabc".utf8), close: true)
        #expect(untilClose.framing == .untilClose && !untilClose.keepAlive && untilClose.content == Array("abc".utf8) && untilClose.ended)
        let head = try Self.read(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n".utf8), toHEAD: true)
        #expect(head.framing == .none && head.ended && head.head == "HTTP/1.1 200 OK\r\n")
        let noContent = try Self.read(Array("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n".utf8))
        #expect(noContent.head == "HTTP/1.1 204 No Content\r\n")
    }

    @Test("bytes after the answer's end mark the connection as not reusable")
    func leftOver() throws {
        let reading = try Self.read(Array("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n".utf8))
        #expect(reading.ended && reading.content == Array("ok".utf8) && reading.leftOver)
    }

    @Test("an answer that is cut is not complete", arguments: [
        "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\ncontent-le",
    ])
    func cut(_ text: String) throws {
        let reading = try Self.read(Array(text.utf8), close: true)
        #expect(!reading.ended)
    }

    @Test("malformed answers are errors that say what is wrong", arguments: [
        ("garbage\r\n\r\n", "status line that is not HTTP/1"),
        ("HTTP/2 200\r\n\r\n", "status line that is not HTTP/1"),
        ("HTTP/1.1 20 OK\r\n\r\n", "status line that is not HTTP/1"),
        ("HTTP/1.1 2000 OK\r\n\r\n", "status line that is not HTTP/1"),
        ("HTTP/1.1 099 Odd\r\n\r\n", "status code 99"),
        ("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "folded header line"),
        ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "header name with byte 0x20"),
        ("HTTP/1.1 200 OK\r\n: no name\r\n\r\n", "without a name"),
        ("HTTP/1.1 200 OK\r\nx-a: b\u{1}c\r\n\r\n", "control byte 0x1"),
        ("HTTP/1.1 200 OK\r\nx-a: b\rc\r\n\r\n", "control byte 0xd"),
        ("HTTP/1.1 200 OK\r\ncontent-length: 12a\r\n\r\n", "Content-Length that is not a number"),
        ("HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", "Content-Length that is not a number"),
        ("HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nok", "two different Content-Length values (1 and 2)"),
        ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", "chunk size that is not hexadecimal"),
        ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\r\n", "chunk size that is not hexadecimal"),
        ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n", "chunk data longer than its chunk size"),
        ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\rx", "carriage return inside a chunk-size line"),
        ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1000000000000000\r\n", "more than 15 hex digits"),
    ])
    func malformed(_ text: String, _ expected: String) throws {
        do {
            let reading = try Self.read(Array(text.utf8))
            Issue.record("\(text.debugDescription) was read: \(reading)")
        } catch let error as MalformedAnswer {
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test("a head longer than the limit is an error, not a buffer that grows")
    func longHead() throws {
        var parser = UpstreamAnswerParser()
        parser.expectAnswer(toHEAD: false)
        var events: [UpstreamAnswerParser.Event] = []
        var first = ByteBuffer(string: "HTTP/1.1 200 OK\r\n")
        _ = try parser.parse(&first, into: &events)
        let line = ByteBuffer(string: "x-filler: " + String(repeating: "a", count: 1000) + "\r\n")
        var thrown: MalformedAnswer?
        for _ in 0..<100 {
            var piece = line
            do { _ = try parser.parse(&piece, into: &events) } catch let error as MalformedAnswer {
                thrown = error
                break
            }
        }
        #expect(thrown?.description.contains("longer than 65536 bytes") == true, "\(String(describing: thrown))")
        #expect(events.isEmpty)
    }
}
