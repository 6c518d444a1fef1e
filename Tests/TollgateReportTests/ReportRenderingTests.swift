import Foundation
import Testing
import TollgateCore
import TollgateReport
import TollgateStore
import TollgateTestSupport

@Suite struct ReportRenderingTests {
    static let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_796_000_100) }

    func model(_ fixture: ReportFixture) throws -> RunReportModel {
        try ReportBuilder(store: fixture.store, now: Self.clock).build(runID: fixture.runID)
    }

    @Test func markdownOfAFixedRolloutMatchesTheGolden() throws {
        let fixture = try ReportFixture()
        defer { fixture.folder.remove() }
        let markdown = MarkdownReportRenderer().render(try model(fixture)).replacingOccurrences(of: fixture.runID, with: "RUN")
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("rollout-report.md")
        if ProcessInfo.processInfo.environment["TOLLGATE_UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/rollout-report.md")
            try markdown.write(to: source, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(markdown == golden)
    }

    @Test func htmlIsWellFormedSelfContainedAndDrawsEveryPlot() throws {
        let fixture = try ReportFixture()
        defer { fixture.folder.remove() }
        let html = HTMLReportRenderer().render(try model(fixture))
        let tree = try HTMLTree(html)
        // Nothing to fetch: no src or href other than in-page anchors, no external stylesheet or script.
        for element in tree.all() {
            for key in ["src", "href", "xlink:href", "action"] {
                if let value = element.attributes[key] { #expect(value.hasPrefix("#"), "\(element.name) \(key)=\(value)") }
            }
        }
        #expect(tree.all("link").isEmpty)
        #expect(!html.contains("@import") && !html.contains("url("))
        let plots = Set(tree.all("svg").compactMap { $0.attributes["data-plot"] })
        for id in ["timeline", "ecdf-stage0-ttft_ms", "ecdf-stage0-itl_ms", "ecdf-stage1-ttft_ms", "ecdf-stage1-e2e_ms",
                   "looks-stage1-ttft_ms", "looks-stage1-error_rate", "errors-stage1"] {
            #expect(plots.contains(id), "missing plot \(id) among \(plots.sorted())")
        }
        for svg in tree.all("svg") {
            let id = svg.attributes["data-plot"] ?? "?"
            let paths = tree.descendants(of: svg).filter { $0.name == "path" }
            for path in paths { #expect((path.attributes["d"] ?? "").hasPrefix("M"), "plot \(id) has an empty path") }
            if ["timeline", "ecdf-", "looks-"].contains(where: { id.hasPrefix($0) }) { #expect(!paths.isEmpty, "plot \(id) draws no path") }
            let marks = tree.descendants(of: svg).filter { ($0.name == "rect" || $0.name == "circle") && $0.attributes["class"] != "frame" }
            #expect(!paths.isEmpty || !marks.isEmpty, "plot \(id) draws nothing")
        }
        // The header says why, in one sentence, at the top.
        let reason = tree.all("p", ["id": "reason"]).first.map { tree.text(of: $0) }
        #expect(reason == "Rolled back: ttft_ms is worse than the baseline beyond the 10% tolerance.")
        // Timeline markers: one per check, coloured by decision; the alert's command annotated.
        let timeline = tree.all("svg", ["data-plot": "timeline"]).first!
        let marks = tree.descendants(of: timeline).compactMap { $0.attributes["class"] }
        #expect(marks.filter { $0.hasPrefix("check ") } == ["check decision-hold", "check decision-rollback"])
        #expect(marks.contains { $0.contains("kind-alert") })
        #expect(html.contains("<details") && tree.all("section", ["id": "journal"]).count == 1)
        #expect(html.contains("@media print"))
    }

    @Test func statsTableNumbersAreTheStoredVerdicts() throws {
        let fixture = try ReportFixture()
        defer { fixture.folder.remove() }
        let tree = try HTMLTree(HTMLReportRenderer().render(try model(fixture)))
        let stored = try fixture.lastVerdictMetrics(stage: 1)
        let table = tree.all("table", ["id": "stats-stage1"]).first!
        let rows = tree.descendants(of: table).filter { $0.name == "tr" && $0.attributes["data-criterion"] != nil }
        #expect(rows.map { $0.attributes["data-criterion"]! } == stored.map { $0["metric"] as! String })
        for (row, metric) in zip(rows, stored) {
            let cells = row.children.map { tree.elements[$0] }
            func cell(_ field: String) -> HTMLTree.Element? { cells.first { $0.attributes["data-field"] == field } }
            #expect(cell("estimate")?.attributes["data-value"].flatMap(Double.init) == metric["estimate"] as? Double)
            #expect(cell("interval")?.attributes["data-low"].flatMap(Double.init) == metric["ci_low"] as? Double)
            #expect(cell("interval")?.attributes["data-high"].flatMap(Double.init) == metric["ci_high"] as? Double)
            #expect(cell("p_value")?.attributes["data-value"].flatMap(Double.init) == metric["p_value"] as? Double)
            #expect(cell("tolerance")?.attributes["data-value"].flatMap(Double.init) == metric["allowance"] as? Double)
            #expect(cell("outcome").map { tree.text(of: $0) } == metric["outcome"] as? String)
            #expect(cell("baseline_count")?.attributes["data-value"].flatMap(Double.init) != nil)
        }
    }

    @Test func numericVerdictFieldsAJudgeAddsAreRenderedAndBoundariesDrawn() throws {
        let fixture = try ReportFixture()
        defer { fixture.folder.remove() }
        let m = try model(fixture)
        let ttft = m.stages[1].checks.last!.metrics.first { $0.metric == "ttft_ms" }!
        #expect(ttft.extra["rollback_boundary"] == 0.0953 + 0.1)
        #expect(ttft.extra["z"] == 3 && ttft.extra["spent_alpha"] == 0.02)
        #expect(m.stages[1].checks.last!.detail["information_fraction"] == 2.0 / 6 && m.stages[1].checks.last!.detail["look"] == 2)
        let tree = try HTMLTree(HTMLReportRenderer().render(m))
        let looks = tree.all("svg", ["data-plot": "looks-stage1-ttft_ms"]).first!
        let boundary = tree.descendants(of: looks).filter { $0.attributes["class"] == "boundary" }
        #expect(boundary.count == 1)
        #expect(tree.descendants(of: looks).filter { ($0.attributes["class"] ?? "").hasPrefix("estimate") }.count == 2)
        let detailCells = tree.all("td").map { tree.text(of: $0) }
        #expect(detailCells.contains { $0.contains("spent_alpha=0.02") && $0.contains("rollback_boundary=0.1953") })
    }

    @Test func percentilesAndTrafficComeFromTheSamples() throws {
        let fixture = try ReportFixture()
        defer { fixture.folder.remove() }
        let m = try model(fixture)
        let canary = m.stages[1]
        let candidate = canary.arms.first { $0.arm == "candidate" }!
        #expect(candidate.requests == 200 && candidate.errors == 8)
        #expect(candidate.errorsByClass == ["http_5xx": 4, "timeout_idle": 4])
        let ttft = canary.distributions.first { $0.metric == "ttft_ms" }!.arm("candidate")!
        let values = MetricName.ttftMs.observations(in: try fixture.store.samples(runID: fixture.runID, stage: 1, arm: .candidate)).sorted()
        #expect(ttft.count == 192 && ttft.ecdf.count == 192)
        #expect(ttft.p50! == values[95] + 0.5 * (values[96] - values[95]))
        #expect(ttft.ecdf.last == [values.last!, 1])
        #expect(m.header.decidedBy == "analysis" && m.header.durationSeconds == 60)
        #expect(m.header.candidate?.version == "1.1.0" && m.header.candidate?.revision == "e4f5a6b" && m.header.candidate?.lineage == "fine-tune of 1.0.0")
        let latency = m.checklist.flatMap(\.items).first { $0.id == "objectives.latency" }!
        #expect(latency.measured["objectives.ttft_ms"]?.hasPrefix("p50 ") == true)
    }

    @Test func aHundredThousandSampleRunStaysSmallAndReadable() throws {
        let fixture = try ReportFixture(canarySamples: 50_000)
        defer { fixture.folder.remove() }
        let m = try model(fixture)
        let html = HTMLReportRenderer().render(m)
        #expect(m.stages[1].arms.reduce(0) { $0 + $1.requests } == 100_000)
        print("ReportRenderingTests: the report of a 100,000-sample run is \(html.utf8.count) bytes of HTML")
        #expect(html.utf8.count < 1_000_000, "HTML is \(html.utf8.count) bytes")
        #expect(m.stages[1].distributions.allSatisfy { $0.arms.allSatisfy { $0.ecdf.count <= ReportBuilder.ecdfPoints } })
        _ = try HTMLTree(html)
    }

    @Test func reportFilesAreOwnerOnly() throws {
        let fixture = try ReportFixture()
        defer { fixture.folder.remove() }
        let path = try RunReports.write(runID: fixture.runID, store: fixture.store, format: .markdown, to: fixture.folder.path("out/report.md"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("rolled back"))
        let json = try RunReports.render(runID: fixture.runID, store: fixture.store, format: .json)
        // The convention of every `--json`: snake_case keys, ISO 8601 dates.
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((document["stages"] as? [Any])?.count == 2)
        #expect((document["generated_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) } != nil, "\(document.keys.sorted())")
        #expect((document["header"] as? [String: Any])?["run_id"] is String)
    }
}
