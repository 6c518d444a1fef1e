import Foundation
import Testing
@testable import TollgateTraffic

@Suite("Traffic reader")
struct TrafficReaderTests {
    static func fixture(_ name: String) throws -> String {
        try #require(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures"))
    }

    @Test func readsTheMalformedLineCorpusSkippingAndReportingBadLines() throws {
        let reader = try TrafficReader(path: try Self.fixture("malformed-corpus.jsonl"))
        var requests: [TrafficRequest] = []
        var malformed: [MalformedLine] = []
        while let entry = reader.next() {
            switch entry {
            case .request(let r): requests.append(r)
            case .malformed(let m): malformed.append(m)
            }
        }
        #expect(requests.map(\.id) == ["line-1", "a2", "42", "line-15", "ts-iso"])
        #expect(requests.map(\.line) == [1, 2, 3, 15, 16])
        #expect(requests[1].ts == 12.5)
        #expect(requests[1].tags == ["support", "en"])
        #expect(requests[4].ts == 1_700_000_000)
        #expect(malformed.map(\.line) == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        #expect(malformed.first { $0.line == 5 }?.reason == "not valid JSON")
        #expect(malformed.first { $0.line == 6 }?.reason == "not a JSON object")
        #expect(malformed.first { $0.line == 11 }?.reason.contains("'ts'") == true)
    }

    @Test func reportsAMissingFile() {
        #expect(throws: TrafficError.self) { try TrafficReader(path: "/nonexistent/traffic.jsonl") }
    }

    @Test func flagsOverlongLinesAndReadsOn() throws {
        let long = "{\"prompt\": \"" + String(repeating: "x", count: 300_000) + "\"}"
        let path = try temporaryFile([long, #"{"prompt":"short"}"#])
        let reader = try TrafficReader(path: path, maxLineBytes: 100_000)
        guard case .malformed(let m)? = reader.next() else { Issue.record("expected a malformed line"); return }
        #expect(m.line == 1)
        guard case .request(let r)? = reader.next() else { Issue.record("expected a request"); return }
        #expect(r.line == 2)
        #expect(reader.next() == nil)
    }

    @Test func countsNonEmptyLines() throws {
        let path = try temporaryFile(["{}", "", "  ", "{}", "{}"])
        #expect(TrafficReader.countLines(path: path) == 3)
    }
}
