import Foundation
import Testing
import TollgateCore
import TollgateTraffic
@testable import TollgateEval

func input(_ answer: String, expected: String? = nil, fields: [String: JSONValue] = [:], outputTokens: Int? = nil,
           ttft: Double? = nil, e2e: Double? = nil, inputTokens: Int? = nil) -> ScoringInput {
    let c = EvalCase(id: "c1", body: .object(["prompt": .string("q")]), expected: expected, fields: fields)
    let s = Sample(requestID: "c1#0", arm: .candidate, startedAt: Date(), ttftMs: ttft, e2eMs: e2e, inputTokens: inputTokens,
                   outputTokens: outputTokens, responseText: answer)
    return ScoringInput(evalCase: c, arm: .candidate, sample: s)
}

@Suite("Text scorers")
struct TextScorerTests {
    @Test func equalsTrimsAndFoldsCaseWhenAsked() async throws {
        let s = EqualsScorer(name: "eq", weight: 1, ignoreCase: true)
        #expect(try await s.score(input("  Paris \n", expected: "paris")).passed)
        #expect(try await !EqualsScorer(name: "eq", weight: 1).score(input("Paris", expected: "paris")).passed)
        #expect(try await !s.score(input("Paris")).passed)
    }

    @Test func containsAnyAllAndNegated() async throws {
        let any = ContainsScorer(name: "c", weight: 1, values: ["Billing", "Settings"])
        let all = ContainsScorer(name: "c", weight: 1, values: ["Billing", "Settings"], requireAll: true)
        let not = ContainsScorer(name: "n", weight: 1, values: ["sorry"], ignoreCase: true, negated: true)
        #expect(try await any.score(input("Open Billing.")).passed)
        #expect(try await !all.score(input("Open Billing.")).passed)
        #expect(try await all.score(input("Open Billing, then Settings.")).passed)
        #expect(try await !not.score(input("SORRY, no.")).passed)
        #expect(try await not.score(input("Sure.")).passed)
    }

    @Test func containsFallsBackToTheCaseValues() async throws {
        let s = ContainsScorer(name: "c", weight: 1, values: [])
        #expect(try await s.score(input("use Export", fields: ["values": .array([.string("Export")])])).passed)
    }

    @Test func regexMatchesAndMustNotMatch() async throws {
        #expect(try await RegexScorer(name: "r", weight: 1, pattern: #"\bT-\d{4}\b"#).score(input("ticket T-1234 open")).passed)
        #expect(try await !RegexScorer(name: "r", weight: 1, pattern: "secret", mustMatch: false).score(input("the secret is")).passed)
        #expect(throws: EvalError.self) { try RegexScorer(name: "r", weight: 1, pattern: "(") }
    }

    @Test func numericReadsTheFirstNumberWithTolerance() async throws {
        let s = NumericScorer(name: "n", weight: 1, tolerance: 0.5)
        #expect(try await s.score(input("The total is 1,234.3 dollars", expected: "1234")).passed)
        #expect(try await !s.score(input("About 1236", expected: "1234")).passed)
        let rel = NumericScorer(name: "n", weight: 1, expected: 200, tolerance: 0.05, relative: true)
        #expect(try await rel.score(input("209")).passed)
        #expect(try await !rel.score(input("211")).passed)
        #expect(try await !rel.score(input("no number")).passed)
        #expect(NumericScorer.firstNumber(in: "x = -3.5e2 y") == -350)
    }

    @Test func lengthCountsCharactersOrTokens() async throws {
        #expect(try await LengthScorer(name: "l", weight: 1, max: 5).score(input("123456")).passed == false)
        #expect(try await LengthScorer(name: "l", weight: 1, min: 2, max: 5).score(input("1234")).passed)
        #expect(try await LengthScorer(name: "l", weight: 1, max: 10, inTokens: true).score(input("x", outputTokens: 11)).passed == false)
    }

    @Test func refusalDetectorFindsOpeningRefusalsOnly() async throws {
        let d = RefusalDetector()
        #expect(d.isRefusal("I’m sorry, but I can’t help with that request."))
        #expect(d.isRefusal("As an AI, I cannot browse."))
        #expect(!d.isRefusal("Open Settings and choose Security."))
        #expect(!d.isRefusal(""))
        let late = String(repeating: "Here is how. ", count: 30) + "I can't help with billing though."
        #expect(!d.isRefusal(late))
        #expect(RefusalDetector(extraPhrases: ["Nope"]).isRefusal("nope, not today"))
        #expect(try await RefusalScorer(name: "r", weight: 1, expectRefusal: true).score(input("I am unable to do that.")).passed)
        #expect(try await !RefusalScorer(name: "r", weight: 1).score(input("I am unable to do that.")).passed)
    }

    @Test func latencyAndCostBounds() async throws {
        #expect(try await LatencyScorer(name: "l", weight: 1, maxMs: 100, useTTFT: true).score(input("a", ttft: 80, e2e: 300)).passed)
        #expect(try await !LatencyScorer(name: "l", weight: 1, maxMs: 100).score(input("a", ttft: 80, e2e: 300)).passed)
        let cost = CostScorer(name: "c", weight: 1, maxUSD: 0.01, inputPer1k: 0.01, outputPer1k: 0.03)
        #expect(try await cost.score(input("a", outputTokens: 100, inputTokens: 500)).passed)   // 0.005 + 0.003
        #expect(try await !cost.score(input("a", outputTokens: 300, inputTokens: 500)).passed)  // 0.005 + 0.009
    }

    @Test func caseScoreIsTheWeightedMeanAgainstTheThreshold() {
        let outcomes = [
            ScorerOutcome(scorer: "a", score: 1, passed: true, weight: 2, detail: ""),
            ScorerOutcome(scorer: "b", score: 0, passed: false, weight: 1, detail: ""),
            ScorerOutcome(scorer: "info", score: 0, passed: false, weight: 0, detail: ""),
        ]
        let s = CaseScore.combine(caseID: "c", arm: .baseline, repetition: 0, outcomes: outcomes, threshold: 0.66, answer: nil, errorClass: nil)
        #expect(abs(s.score - 2.0 / 3.0) < 1e-12)
        #expect(s.passed)
        let failed = CaseScore.combine(caseID: "c", arm: .baseline, repetition: 0, outcomes: outcomes, threshold: 0.5, answer: nil, errorClass: .http5xx)
        #expect(failed.score == 0 && !failed.passed)
        let strict = CaseScore.combine(caseID: "c", arm: .baseline, repetition: 0, outcomes: outcomes, threshold: 0.7, answer: nil, errorClass: nil)
        #expect(!strict.passed)
    }
}

@Suite("JSON scorers")
struct JSONScorerTests {
    let schema: JSONValue = JSONValue.parse(Data("""
    {"type":"object","required":["status","ticket"],"additionalProperties":false,
     "properties":{"status":{"type":"string","enum":["open","closed"]},
                   "ticket":{"type":"integer","minimum":1,"maximum":99999},
                   "tags":{"type":"array","items":{"type":"string","minLength":2,"maxLength":8,"pattern":"^[a-z]+$"},"maxItems":3}}}
    """.utf8))!

    @Test func validatesTheDocumentedSubset() throws {
        let v = try JSONSchemaSubset(schema)
        #expect(v.violations(of: JSONValue.parse(Data(#"{"status":"open","ticket":12,"tags":["ab"]}"#.utf8))!).isEmpty)
        #expect(v.violations(of: JSONValue.parse(Data(#"{"status":"open","ticket":12.0}"#.utf8))!).isEmpty)
        let bad = v.violations(of: JSONValue.parse(Data(#"{"status":"pending","ticket":0,"tags":["A","abcdefghij","x1","ok"],"extra":1}"#.utf8))!)
        #expect(bad.contains { $0.contains("$.status") && $0.contains("not one of") })
        #expect(bad.contains { $0.contains("$.ticket") && $0.contains("minimum") })
        #expect(bad.contains { $0.contains("$.tags[0]") })
        #expect(bad.contains { $0.contains("$.tags[1]") && $0.contains("longer") })
        #expect(bad.contains { $0.contains("$.tags[2]") && $0.contains("pattern") })
        #expect(bad.contains { $0.contains("more than 3 items") })
        #expect(bad.contains { $0.contains("'extra' is not allowed") })
        let missing = v.violations(of: JSONValue.parse(Data(#"{"status":"open"}"#.utf8))!)
        #expect(missing == ["$: the required field 'ticket' is missing."])
        #expect(v.violations(of: .array([])) == ["$: expected object, found array."])
    }

    @Test func refusesKeywordsOutsideTheSubset() {
        #expect(throws: EvalError.self) { try JSONSchemaSubset(JSONValue.parse(Data(#"{"type":"object","oneOf":[]}"#.utf8))!) }
        #expect(throws: EvalError.self) { try JSONSchemaSubset(JSONValue.parse(Data(#"{"type":"strin"}"#.utf8))!) }
    }

    @Test func jsonAnswersMayBeFenced() async throws {
        #expect(JSONAnswer.parse("Sure:\n```json\n{\"a\": 1}\n```\nDone.") == .object(["a": .integer(1)]))
        #expect(JSONAnswer.parse("{\"a\": ") == nil)
        let s = JSONValidScorer(name: "j", weight: 1)
        #expect(try await s.score(input("{\"status\":\"open\"}", fields: ["status": .string("open")])).passed)
        #expect(try await !s.score(input("{\"status\":\"closed\"}", fields: ["status": .string("open")])).passed)
        #expect(try await !s.score(input("status: open")).passed)
        let scorer = JSONSchemaScorer(name: "s", weight: 1, schema: try JSONSchemaSubset(schema))
        #expect(try await scorer.score(input(#"{"status":"open","ticket":3}"#)).passed)
        #expect(try await !scorer.score(input(#"{"status":"open"}"#)).passed)
    }
}

@Suite("Judge parsing")
struct JudgeParsingTests {
    @Test func scoresSurviveChattyJudges() {
        #expect(JudgeParsing.score(in: "Score: 7", scale: 10) == 7)
        #expect(JudgeParsing.score(in: "On a scale of 1 to 10, this answer is decent.\n\n**Score:** 8", scale: 10) == 8)
        #expect(JudgeParsing.score(in: "I'd rate it 4/5 overall.", scale: 10) == 8)
        #expect(JudgeParsing.score(in: "Reasoning... The rating is 6 out of 10.", scale: 10) == 6)
        #expect(JudgeParsing.score(in: "```json\n{\"reasoning\": \"ok\", \"score\": 9}\n```", scale: 10) == 9)
        #expect(JudgeParsing.score(in: "First I thought score: 3, but on reflection score: 5.", scale: 10) == 5)
        #expect(JudgeParsing.score(in: "Good answer covering 3 steps.\n9", scale: 10) == 9)
        #expect(JudgeParsing.score(in: "Score: 42", scale: 10) == nil)
        #expect(JudgeParsing.score(in: "The answer mentions 3 settings pages.", scale: 10) == nil)
    }

    @Test func pairwisePreferencesAndSwapConsistency() {
        #expect(JudgeParsing.preference(in: "Both are fine but A is clearer.\nWinner: A") == .first)
        #expect(JudgeParsing.preference(in: "My verdict: [[B]]") == .second)
        #expect(JudgeParsing.preference(in: "{\"winner\": \"tie\"}") == .tie)
        #expect(JudgeParsing.preference(in: "Answer B is better because it names the page.") == .second)
        #expect(JudgeParsing.preference(in: "Hard to say.") == nil)
        // Candidate shown first (A) then second (B): preferring it both times is consistent.
        #expect(JudgeParsing.combine(candidateFirst: .first, candidateSecond: .second) == PairwiseVerdict(winner: .candidate, consistent: true))
        #expect(JudgeParsing.combine(candidateFirst: .second, candidateSecond: .first) == PairwiseVerdict(winner: .baseline, consistent: true))
        // Always preferring position A is position bias: inconsistent, counted as a tie.
        #expect(JudgeParsing.combine(candidateFirst: .first, candidateSecond: .first) == PairwiseVerdict(winner: .tie, consistent: false))
        #expect(JudgeParsing.combine(candidateFirst: nil, candidateSecond: .second) == PairwiseVerdict(winner: .tie, consistent: false))
        #expect(JudgeParsing.combine(candidateFirst: .tie, candidateSecond: .tie) == PairwiseVerdict(winner: .tie, consistent: true))
    }
}

@Suite("Case reader")
struct CaseReaderTests {
    @Test func readsChatAndCompletionCasesWithExtras() throws {
        let c = try EvalCaseReader.parse(#"{"id":"a","messages":[{"role":"user","content":"hi"}],"expected":"hello","tags":["en"],"request":{"max_tokens":5}}"#, path: "f", line: 1)
        #expect(c.id == "a" && c.expected == "hello" && c.tags == ["en"] && c.body["max_tokens"] == .integer(5) && c.promptText == "hi")
        let p = try EvalCaseReader.parse(#"{"id":7,"prompt":"2+2=","expected":4,"fields":{"number":4}}"#, path: "f", line: 2)
        #expect(p.id == "7" && p.expected == "4" && p.fields["number"] == .integer(4))
    }

    @Test func reportsBadLinesWithTheirLineNumber() {
        #expect(throws: EvalError.badCase(path: "f", line: 3, reason: "the case needs 'messages' (chat) or 'prompt' (completions).")) {
            try EvalCaseReader.parse(#"{"id":"a"}"#, path: "f", line: 3)
        }
        #expect(throws: EvalError.self) { try EvalCaseReader.parse("not json", path: "f", line: 1) }
        #expect(throws: EvalError.self) { try EvalCaseReader.parse(#"{"id":"a","prompt":"x","promt":"y"}"#, path: "f", line: 1) }
        #expect(throws: EvalError.self) { try EvalCaseReader.parse(#"{"id":"a","prompt":"x","messages":[]}"#, path: "f", line: 1) }
    }

    @Test func shippedCasesFileReads() throws {
        let cases = try EvalCaseReader.read(path: repoPath("evalsuites/support-quality.cases.jsonl"))
        #expect(cases.count >= 10)
        #expect(Set(cases.map(\.id)).count == cases.count)
    }
}

/// A path inside the repository (tests run from the package root or deeper).
func repoPath(_ relative: String) -> String {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            return url.appendingPathComponent(relative).path
        }
    }
    return relative
}
