import Foundation
import Testing
import TollgateCore

/// Every file of `Fixtures/malformed` has exactly one problem class (a few have several) and a
/// `.expected` file beside it with the exact `line:column: message` lines the loader must print.
@Suite struct MalformedCorpusTests {
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("malformed")

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    @Test func corpusIsLargeEnough() {
        #expect(Self.names.count >= 40)
    }

    @Test(arguments: names)
    func reportsExactlyTheExpectedProblems(_ name: String) throws {
        let path = Self.folder.appendingPathComponent("\(name).yaml").path
        let expected = try String(contentsOf: Self.folder.appendingPathComponent("\(name).expected"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(!expected.isEmpty, "\(name).expected lists no problem")
        do {
            _ = try DocumentLoader.load(at: path)
            Issue.record("\(name).yaml loaded without error")
        } catch {
            #expect(error.diagnostics.allSatisfy { $0.file == path })
            #expect(error.diagnostics.map { "\($0.line):\($0.column): \($0.message)" } == expected)
        }
    }
}

@Suite struct ShippedExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var exampleFiles: [String] {
        ["pipelines", "evalsuites"].flatMap { dir -> [String] in
            let url = root.appendingPathComponent(dir)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.map { url.appendingPathComponent($0).path }
        }.sorted()
    }

    @Test func examplesExist() {
        #expect(Self.exampleFiles.count >= 4)
    }

    @Test(arguments: exampleFiles)
    func everyShippedExampleValidates(_ path: String) {
        #expect(throws: Never.self) { _ = try DocumentLoader.load(at: path) }
    }

    @Test func theCompletePipelineDeclaresEveryChecklistItem() throws {
        let pipeline = try DocumentLoader.loadPipeline(at: Self.root.appendingPathComponent("pipelines/support-chat.yaml").path)
        let missing = Checklist.report(for: pipeline).flatMap(\.items).filter { !$0.declared }.map(\.id)
        #expect(missing.isEmpty, "undeclared: \(missing)")
    }

    @Test func theCompletePipelineReadsIntoTypedValues() throws {
        let p = try DocumentLoader.loadPipeline(at: Self.root.appendingPathComponent("pipelines/support-chat.yaml").path)
        #expect(p.name == "support-chat-2.4")
        #expect(p.model.candidate.version == "2.4.0")
        #expect(p.model.candidate.apiKeyEnv == "CANDIDATE_API_KEY")
        #expect(p.model.maxInputTokens == 8192)
        #expect(p.objectives.latency[.ttftMs] == QuantileTargets(p50: 250, p95: 800))
        #expect(p.objectives.maxErrorRate == 0.01)
        #expect(p.stages.map(\.name) == ["shadow", "canary-5", "canary-25", "approval", "canary-50", "full"])
        #expect(p.stages.map(\.weight) == [0, 5, 25, nil, 50, 100])
        guard case .canary(_, let minSamples, let maxSamples, let maxDuration, _, let onTimeout) = p.stages[2].kind else {
            Issue.record("stage 2 is not a canary"); return
        }
        #expect(minSamples == 500 && maxDuration == .seconds(1800) && onTimeout == .pause)
        #expect(maxSamples == 1500)
        #expect(p.analysis.alpha == 0.05 && p.analysis.beta == 0.05 && p.analysis.spending == .pocock)
        #expect(p.analysis.metrics.count == 5)
        #expect(p.analysis.metrics[3].tolerance == .percentagePoints(0.5))
        #expect(p.analysis.metrics[3].critical)
        #expect(p.analysis.metrics[2].quantile == .p95)
        #expect(p.rollback.rules.contains(.objective(metric: .ttftMs, quantile: .p95, consecutive: 3)))
        #expect(p.rollback.rules.contains(.alert(matchers: [
            AlertMatcher(label: "severity", op: .matches, value: "critical|page"),
            AlertMatcher(label: "model", op: .equal, value: "support-chat"),
        ])))
        #expect(p.traffic.source?.hasSuffix("traffic/support.jsonl") == true)
        #expect(p.reliability.firstTokenTimeout == .seconds(10))
        #expect(p.reliability.retryAttempts == 3)
        #expect(p.security.loggingMode == .redacted)
        #expect(p.requiredChecklistItems == ["model.identity", "objectives.latency", "release.rollback", "security.logging"])
    }

    /// A `quality` metric is judged against its suite's `max_drop`, read when the pipeline loads.
    @Test func aQualityMetricTakesItsToleranceFromTheSuitesMaxDrop() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quality-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let suites = Self.root.appendingPathComponent("evalsuites")
        let suite = try String(contentsOf: suites.appendingPathComponent("support-quality.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "max_drop: 2pp", with: "max_drop: 5pp")
            .replacingOccurrences(of: "cases: support-quality.cases.jsonl", with: "cases: \(suites.path)/support-quality.cases.jsonl")
        try suite.write(to: folder.appendingPathComponent("suite.yaml"), atomically: true, encoding: .utf8)
        let pipeline = try String(contentsOf: Self.root.appendingPathComponent("pipelines/support-chat.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../evalsuites/support-quality.yaml", with: "suite.yaml")
            .replacingOccurrences(of: "../", with: Self.root.path + "/")
        let path = folder.appendingPathComponent("pipeline.yaml")
        try pipeline.write(to: path, atomically: true, encoding: .utf8)
        let quality = try #require(try DocumentLoader.loadPipeline(at: path.path).analysis.metrics.first { $0.metric == .quality })
        #expect(quality.tolerance == .percentagePoints(5))
    }

    @Test func suitesReadIntoTypedValues() throws {
        let quality = try DocumentLoader.loadEvalSuite(at: Self.root.appendingPathComponent("evalsuites/support-quality.yaml").path)
        #expect(quality.scorers.map(\.kind) == [.contains, .notContains, .length, .refusal])
        #expect(quality.scorers[0].weight == 2)
        #expect(quality.maxDrop == .percentagePoints(2))
        #expect(quality.passThreshold == 0.75)
        let drift = try DocumentLoader.loadDriftSuite(at: Self.root.appendingPathComponent("evalsuites/support-drift.yaml").path)
        #expect(drift.reference == .lastPromoted(pipeline: "support-chat-2.4"))
        #expect(drift.features.contains(.finishReason))
        #expect(drift.minEffect[.refusalRate] == .percentagePoints(2))
        #expect(drift.schedule?.timeZone == "Europe/Berlin")
        #expect(drift.rollbackPipeline == "support-chat-2.4")
    }

    @Test func aStoredSnapshotReloadsFromText() throws {
        let path = Self.root.appendingPathComponent("pipelines/minimal.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let fromFile = try DocumentLoader.loadPipeline(at: path)
        let fromText = try DocumentLoader.loadPipeline(text: text, path: path)
        #expect(fromFile == fromText)
    }

    @Test func aSnapshotStillLoadsWhenItsTrafficFileIsGone() throws {
        let text = try String(contentsOfFile: Self.root.appendingPathComponent("pipelines/minimal.yaml").path, encoding: .utf8)
        let elsewhere = "/nonexistent/folder/pipeline.yaml"
        let snapshot = try DocumentLoader.loadPipeline(text: text, path: elsewhere)
        #expect(snapshot.traffic.source == "/nonexistent/traffic/support.jsonl")
        #expect(throws: LoadError.self) { _ = try DocumentLoader.loadPipeline(text: text, path: elsewhere, checkFiles: true) }
    }
}

@Suite struct CronScheduleTests {
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func everyThirtyMinutes() throws {
        let cron = try CronSchedule("*/30 * * * *")
        #expect(cron.next(after: date("2026-11-30T01:07:13Z")) == date("2026-11-30T01:30:00Z"))
        #expect(cron.next(after: date("2026-11-30T01:30:00Z")) == date("2026-11-30T02:00:00Z"))
    }

    @Test func weekdaysAtNineInBerlin() throws {
        let cron = try CronSchedule("0 9 * * mon-fri", timeZone: "Europe/Berlin")
        // Saturday 2026-11-28 10:00 UTC → Monday 09:00 CET = 08:00 UTC.
        #expect(cron.next(after: date("2026-11-28T10:00:00Z")) == date("2026-11-30T08:00:00Z"))
    }

    @Test func dayOfMonthOrDayOfWeekAsVixieCron() throws {
        let cron = try CronSchedule("0 0 1 * sun")
        // From Monday 2026-11-30: Sunday 2026-12-06 comes after Tuesday 2026-12-01.
        #expect(cron.next(after: date("2026-11-30T12:00:00Z")) == date("2026-12-01T00:00:00Z"))
        #expect(cron.next(after: date("2026-12-01T00:00:00Z")) == date("2026-12-06T00:00:00Z"))
    }

    @Test func rejectsMalformedExpressions() {
        for bad in ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "5-1 * * * *", "* * * foo *"] {
            #expect(throws: CronSchedule.ParseError.self, "\(bad)") { _ = try CronSchedule(bad) }
        }
        #expect(throws: CronSchedule.ParseError.self) { _ = try CronSchedule("* * * * *", timeZone: "Nowhere/City") }
    }
}
