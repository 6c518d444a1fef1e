import Foundation
import Testing
import TollgateCore
import TollgateTestSupport

/// `tollgate qualify` end to end: it starts `tollgate sim --cold-start 2s` from the version's
/// start_command on a free port, measures, records the run, and `checklist --measured` reads it.
@Suite("tollgate qualify", .serialized)
struct QualifyCommandTests {
    static func pipeline(in folder: TemporaryFolder, port: Int, declaredColdStart: String, coldStart: String = "2s") throws -> String {
        let binary = try CLI.binary().path
        let traffic = folder.path("traffic.jsonl")
        try (0..<4).map { #"{"id":"r\#($0)","body":{"messages":[{"role":"user","content":"question \#($0)"}],"stream":true}}"# }
            .joined(separator: "\n").write(toFile: traffic, atomically: true, encoding: .utf8)
        let yaml = """
        version: 1
        kind: pipeline
        name: qualify-cli
        model:
          name: tollgate-sim
          baseline: { version: "1", endpoint: "http://127.0.0.1:\(port)/v1" }
          candidate:
            version: "2"
            endpoint: "http://127.0.0.1:\(port)/v1"
            start_command: "\(binary) sim --listen 127.0.0.1:\(port) --cold-start \(coldStart) --prefill-ms 20 --prefill-spread 0.05 --decode-ms 2 --output-tokens 4"
        objectives: { ttft_ms: { p95: 500 } }
        traffic: { source: traffic.jsonl }
        stages:
          - full: {}
        autoscaling: { cold_start: \(declaredColdStart) }
        qualify:
          cold_start: { repeats: 2, poll_interval: 20ms, stop_timeout: 5s }
          sweep: { concurrency: [1, 2], min_requests: 4 }
        """
        let path = folder.path("pipeline.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func measuresATwoSecondColdStartAndTheChecklistGatesOnIt() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let path = try Self.pipeline(in: folder, port: port, declaredColdStart: "1s")
        let db = folder.path("runs.db")

        let first = try await CLI.run(["qualify", path, "--only", "cold_start,sweep", "--json", "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let cold = try #require(json["cold_start"] as? [String: Any])
        let median = try #require(cold["median_seconds"] as? Double)
        #expect(median >= 2.0 && median <= 2.2, "cold start median \(median)s, all \(cold["seconds"] ?? "")")
        #expect(first.stderr.contains("[cold_start] start 2 of 2"))
        // Stopped by PID at the end: the port is free again.
        #expect(loopbackGETStatus(port: port, path: "/health") == nil)

        let measured = try await CLI.run(["checklist", path, "--measured", "--db", db])
        #expect(measured.status == 0)
        #expect(measured.stdout.contains("[MEASURED, OUTSIDE] Cold start time measured and documented"))
        #expect(measured.stdout.contains("objective: autoscaling.cold_start 1.0s"))
        let strict = try await CLI.run(["checklist", path, "--measured", "--strict", "--db", db])
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("Measured outside objective: autoscaling.cold_start"))

        // A second run measures only the sweep (the server is started, untimed): nothing outside.
        let second = try await CLI.run(["qualify", path, "--only", "sweep", "--db", db])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Latency vs load"))
        let latest = try await CLI.run(["checklist", path, "--measured", "--strict", "--db", db])
        #expect(latest.status == 0, "\(latest.stdout)\(latest.stderr)")
        #expect(latest.stdout.contains("[declared only] Cold start time measured and documented"))

        // The first run, named: still outside.
        let recorded = try #require(first.stderr.components(separatedBy: "Recorded as run ").last?.split(separator: " ").first)
        let runID = String(recorded)
        let named = try await CLI.run(["checklist", path, "--measured", String(runID), "--strict", "--db", db])
        #expect(named.status == 2, "\(named.stdout)\(named.stderr)")
        let shown = try await CLI.run(["show", String(runID), "--db", db])
        #expect(shown.stdout.contains("Qualification (candidate 2):") && shown.stdout.contains("qualify.report"))
        let html = folder.path("report.html")
        let report = try await CLI.run(["report", String(runID), "--format", "html", "--output", html, "--db", db])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("tollgate qualify: outside: median "))
    }

    @Test func rejectsAnUnknownStepAndABadQualifySection() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try Self.pipeline(in: folder, port: 9, declaredColdStart: "1s")
        let unknown = try await CLI.run(["qualify", path, "--only", "warmpu"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown step 'warmpu'"))
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "concurrency: [1, 2]", with: "concurrency: [4, 2]")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["qualify", path, "--db", folder.path("runs.db")])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("pipeline.yaml:18:12: 'qualify.sweep.concurrency' must list increasing levels"), "\(bad.stderr)")
    }

    @Test func ctrlCStopsTheStartedServerByPID() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let path = try Self.pipeline(in: folder, port: port, declaredColdStart: "1s", coldStart: "60s")
        let child = try CLI.start(["qualify", path, "--only", "cold_start", "--db", folder.path("runs.db")])
        defer { child.stop() }
        // The started simulator answers 503 while its cold start lasts.
        #expect(await waitUntil(timeout: .seconds(30)) { loopbackGETStatus(port: port, path: "/health") == 503 })
        child.signal(SIGINT)
        let status = await child.waitForExit(timeout: .seconds(30))
        #expect(status == 130, "\(child.stderr)")
        #expect(child.stderr.contains("Interrupted; the started server was stopped."))
        #expect(loopbackGETStatus(port: port, path: "/health") == nil)
    }

    @Test func refusesToMeasureAServerItDidNotStart() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let path = try Self.pipeline(in: folder, port: port, declaredColdStart: "1s")
        let other = try CLI.start(["sim", "--listen", "127.0.0.1:\(port)"])
        defer { other.stop() }
        #expect(await waitUntil(timeout: .seconds(30)) { loopbackGETStatus(port: port, path: "/health") == 200 })
        let result = try await CLI.run(["qualify", path, "--only", "cold_start", "--db", folder.path("runs.db")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("already answers (HTTP 200) before start_command ran"), "\(result.stderr)")
    }
}
