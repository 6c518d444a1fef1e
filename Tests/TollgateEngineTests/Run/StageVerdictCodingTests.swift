import Foundation
import Testing
import TollgateCore
@testable import TollgateEngine

/// A stage verdict's judge detail is a nested JSON document, in storage and in `--json` output.
@Suite struct StageVerdictCodingTests {
    @Test func theDetailIsNestedJSONNotTextInAString() throws {
        let verdict = StageVerdict(decision: .promote, score: 100, summary: "all pass", metrics: [],
                                   detailJSON: #"{"metrics":[{"metric":"ttft_ms","outcome":"pass"}],"score":100}"#)
        let text = String(decoding: try JSONEncoder().encode(verdict), as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let detail = try #require(object["detail"] as? [String: Any], "detail is not an object: \(text)")
        #expect((detail["metrics"] as? [[String: Any]])?.first?["metric"] as? String == "ttft_ms")
        #expect(object["detailJSON"] == nil)
        #expect(try JSONDecoder().decode(StageVerdict.self, from: Data(text.utf8)) == verdict)
    }

    @Test func verdictsStoredWithTheDetailAsTextStillLoad() throws {
        let stored = #"{"decision":"hold","score":50,"summary":"s","metrics":[],"detailJSON":"{\"score\":50}"}"#
        let verdict = try JSONDecoder().decode(StageVerdict.self, from: Data(stored.utf8))
        #expect(verdict.detail == .object(["score": .integer(50)]))
    }
}
