import Testing
@testable import TollgateTraffic

@Suite("SSE parser")
struct SSEParserTests {
    /// A stream exercising every rule: BOM, comments, CRLF/CR/LF, multi-line data, event and id
    /// fields, a field without colon, an event without data, a non-ASCII character, and [DONE].
    static let stream: [UInt8] = Array((
        "\u{FEFF}: keep-alive\r\n" +
        "data: {\"a\":1}\r\n\r\n" +
        "event: update\ndata: first line\ndata:second line\nid: 7\n\n" +
        "data: café ☕\r\r" +
        "retry: 1500\n: comment only\n\n" +
        "data\n\n" +
        "event: ignored-without-data\n\n" +
        "data:  two spaces\rdata: [DONE]\n\n"
    ).utf8)

    static let expected: [SSEEvent] = [
        SSEEvent(data: "{\"a\":1}"),
        SSEEvent(type: "update", data: "first line\nsecond line", lastEventID: "7"),
        SSEEvent(data: "café ☕", lastEventID: "7"),
        SSEEvent(data: "", lastEventID: "7"),
        SSEEvent(data: " two spaces\n[DONE]", lastEventID: "7"),
    ]

    static func parse(_ chunks: [ArraySlice<UInt8>]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.feed(chunk) }
        return events + parser.finish()
    }

    @Test func parsesAWholeStreamByTheSpec() {
        #expect(Self.parse([Self.stream[...]]) == Self.expected)
    }

    @Test func givesTheSameEventsWhenSplitAtEveryPosition() {
        let bytes = Self.stream
        for i in 0...bytes.count {
            let events = Self.parse([bytes[..<i], bytes[i...]])
            #expect(events == Self.expected, "split at byte \(i)")
        }
    }

    @Test func givesTheSameEventsWhenSplitAtEveryPairOfPositions() async {
        let bytes = Self.stream
        var failures = 0
        for i in 0...bytes.count {
            for j in i...bytes.count where Self.parse([bytes[..<i], bytes[i..<j], bytes[j...]]) != Self.expected {
                failures += 1
            }
            // Long CPU-bound loop: let servers of tests running alongside have the thread.
            await Task.yield()
        }
        #expect(failures == 0)
    }

    @Test func givesTheSameEventsFedOneByteAtATime() {
        let chunks = Self.stream.indices.map { Self.stream[$0...$0] }
        #expect(Self.parse(chunks) == Self.expected)
    }

    @Test func treatsACRAtTheEndOfAReadFollowedByLFAsOneLineEnd() {
        var parser = SSEParser()
        var events = parser.feed(Array("data: x\r".utf8))
        events += parser.feed(Array("\n".utf8))
        #expect(events.isEmpty, "one line ended, no blank line yet")
        events += parser.feed(Array("\r\n".utf8))
        #expect(events == [SSEEvent(data: "x")])
    }

    @Test func keepsRetryInMilliseconds() {
        var parser = SSEParser()
        _ = parser.feed(Array("retry: 2500\n\nretry: 12x\n\n".utf8))
        #expect(parser.retryMs == 2500)
    }

    @Test func dispatchesAnUnterminatedFinalEventAtTheEnd() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: {\"usage\":{}}".utf8)).isEmpty)
        #expect(parser.finish() == [SSEEvent(data: "{\"usage\":{}}")])
    }

    @Test func replacesInvalidUTF8InsteadOfFailing() {
        var parser = SSEParser()
        let events = parser.feed([0x64, 0x61, 0x74, 0x61, 0x3A, 0x20, 0xFF, 0xFE, 0x0A, 0x0A])
        #expect(events == [SSEEvent(data: "\u{FFFD}\u{FFFD}")])
    }
}
