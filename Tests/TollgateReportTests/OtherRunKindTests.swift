import Foundation
import Testing
import TollgateCore
import TollgateReport
import TollgateStore
import TollgateTestSupport

@Suite struct OtherRunKindTests {
    @Test func evalRunShowsPassRatesAndRegressionsFirst() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("eval.db"))
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let runID = try store.write { tx -> String in
            let run = try tx.createRun(NewRun(kind: .eval, name: "support-quality", baselineVersion: "1.0.0", candidateVersion: "1.1.0"), at: at)
            let outcomes: [(String, Bool, Bool)] = [("greeting", true, true), ("refund", true, false), ("hours", false, true), ("ship", true, true)]
            for (id, base, cand) in outcomes {
                for (arm, passed) in [("baseline", base), ("candidate", cand)] {
                    _ = try tx.insertEvalResult(StoredEvalResult(runId: run.id, suite: "support-quality", caseId: id, arm: arm, repetition: 0,
                                                                 passed: passed, score: passed ? 1 : 0, answer: "\(arm) answer to \(id)",
                                                                 details: #"[{"scorer":"contains","passed":\#(passed)}]"#))
                }
            }
            _ = try tx.appendEvent(runID: run.id, kind: "eval_finished",
                                   payload: JSONValue.object(["quality": .object(["mcnemar_p": .number(1.0), "difference": .number(0), "verdict": .string("same")]),
                                                              "overall": .string("pass")]), at: at.addingTimeInterval(5))
            try tx.setStatus(runID: run.id, status: .completed, outcome: "pass", at: at.addingTimeInterval(5))
            return run.id
        }
        let m = try ReportBuilder(store: store).build(runID: runID)
        let eval = try #require(m.evals.first)
        #expect(eval.cases.map(\.caseID) == ["refund", "hours", "greeting", "ship"])
        #expect(eval.passRates.map(\.passed) == [3, 3] && eval.passRates.allSatisfy { $0.low < 0.75 && $0.high > 0.75 })
        #expect(eval.pairedTest["quality.mcnemar_p"] == 1 && eval.pairedSummary["quality.verdict"] == "same")
        let tree = try HTMLTree(HTMLReportRenderer().render(m))
        #expect(tree.all("svg", ["data-plot": "passrate-support-quality"]).count == 1)
        let first = try #require(tree.all("tr", ["class": "regression"]).first)
        #expect(first.attributes["data-case"] == "refund")
        #expect(tree.text(of: first).contains("baseline answer to refund") && tree.text(of: first).contains("candidate answer to refund"))
        #expect(m.header.reason.hasPrefix("Eval suite support-quality: pass"))
    }

    @Test func driftRunShowsTheShareOfDriftingFeaturesAndEachFeature() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("drift.db"))
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let features: JSONValue = .array([
            .object(["feature": .string("ttft_ms"), "test": .string("ks"), "drifted": .bool(true), "statistic": .number(0.4), "pValue": .number(0.0001),
                     "adjustedPValue": .number(0.0002), "effect": .number(0.3), "referenceSummary": .string("median 50"),
                     "currentSummary": .string("median 65"), "note": .string("moved")]),
            .object(["feature": .string("output_tokens"), "test": .string("ks"), "drifted": .bool(false), "statistic": .number(0.05),
                     "pValue": .number(0.7), "adjustedPValue": .number(0.7), "effect": .number(0.01), "referenceSummary": .string("median 20"),
                     "currentSummary": .string("median 20"), "note": .string("same")]),
        ])
        let runID = try store.write { tx -> String in
            let run = try tx.createRun(NewRun(kind: .drift, name: "support-drift"), at: at)
            let payload = JSONValue.object(["features": features, "alpha": .number(0.05), "correction": .string("holm"),
                                            "reference": .string("traffic/ref.jsonl"), "current": .string("window")])
            _ = try tx.insertDriftResult(StoredDriftResult(suite: "support-drift", runId: run.id, at: at, drifted: true,
                                                           summary: "drift in ttft_ms", payload: payload.jsonText))
            _ = try tx.appendEvent(runID: run.id, kind: "drift_finished",
                                   payload: JSONValue.object(["drifted": .bool(true), "summary": .string("drift in ttft_ms")]), at: at)
            try tx.setStatus(runID: run.id, status: .completed, outcome: "drift", at: at)
            return run.id
        }
        let m = try ReportBuilder(store: store).build(runID: runID)
        let drift = try #require(m.drift)
        #expect(drift.share == 0.5 && drift.features.map(\.feature) == ["ttft_ms", "output_tokens"])
        #expect(m.header.reason == "Drift suite support-drift: drift in ttft_ms.")
        let tree = try HTMLTree(HTMLReportRenderer().render(m))
        #expect(tree.all("svg", ["data-plot": "drift-features"]).count == 1)
        #expect(tree.all("div", ["data-feature": "ttft_ms"]).count == 1)
        #expect(MarkdownReportRenderer().render(m).contains("**drift support-drift**: drift in ttft_ms (50.0% of 2 features)"))
    }
}
