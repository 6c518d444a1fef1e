import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport
import TollgateTraffic
@testable import TollgateEval

/// Starts `tollgate sim` for the eval and drift command tests.
enum Tollgate {
    /// Starts `tollgate sim` on an OS-chosen free loopback port, waits until it answers, runs
    /// `body` with its base URL and stops it by its PID, also on failure.
    static func withSim<T>(_ arguments: [String], _ body: (String) async throws -> T) async throws -> T {
        let port = try freeLoopbackPort()
        let child = try TollgateCLI.start(["sim", "--listen", "127.0.0.1:\(port)"] + arguments)
        defer { child.stop() }
        let base = "http://127.0.0.1:\(port)/v1"
        let up = await waitUntil(timeout: .seconds(20)) { loopbackGETStatus(port: port, path: "/health") == 200 }
        try #require(up, "tollgate sim did not start: \(child.stderr)")
        return try await body(base)
    }
}

extension SimulatorDrivenTests {
    @Suite("eval and drift commands")
    struct EvalCLITests {
        @Test func theShippedQualitySuiteRunsAgainstTollgateSim() async throws {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let db = folder.path("t.db")
            let simArgs = ["--cases", "evalsuites/support-quality.sim-cases.json", "--prefill-ms", "2", "--decode-ms", "0.5", "--seed", "3"]
            let (json, strict) = try await Tollgate.withSim(simArgs) { url in
                (try await TollgateCLI.run(["eval", "run", "evalsuites/support-quality.yaml", "--baseline", url, "--candidate", url, "--db", db, "--json"]),
                 try await TollgateCLI.run(["eval", "run", "evalsuites/support-quality.yaml", "--baseline", url, "--candidate", url, "--db", db, "--strict"]))
            }
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let quality = try #require(object["quality"] as? [String: Any])
            #expect(quality["cases"] as? Int == 10)
            // The German and the JSON case name no English settings page: 8 of 10 pass on both versions.
            #expect(quality["baseline_pass_rate"] as? Double == 0.8)
            #expect(quality["candidate_pass_rate"] as? Double == 0.8)
            #expect(quality["difference"] as? Double == 0)
            // Ten identical cases cannot show non-inferiority within 2pp: inconclusive, exit 6 with --strict.
            #expect(quality["decision"] as? String == "marginal")
            #expect(strict.status == 6)
            #expect(strict.stdout.contains("Quality: MARGINAL"))
            let runs = try RunStore(path: db).runs()
            #expect(runs.filter { $0.kind == .eval }.count == 2)
        }

        @Test func theShippedTicketSuiteFailsADegradedCandidate() async throws {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let cases = ["--cases", "evalsuites/support-tickets.sim-cases.json", "--prefill-ms", "2", "--decode-ms", "0.5", "--seed", "8"]
            let result = try await Tollgate.withSim(cases) { baseline in
                try await Tollgate.withSim(cases + ["--degraded-rate", "0.6"]) { candidate in
                    try await TollgateCLI.run(["eval", "run", "evalsuites/support-tickets.yaml", "--baseline", baseline, "--candidate", candidate,
                                            "--db", folder.path("t.db")])
                }
            }
            #expect(result.status == 6, "\(result.stderr)")
            #expect(result.stdout.contains("Pass rate   baseline 100.0%"))
            #expect(result.stdout.contains("json_fields") && result.stdout.contains("Overall: FAIL"))
        }

        @Test func theShippedDriftSuiteRunsAgainstTollgateSimWithItsExitCodes() async throws {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let db = folder.path("t.db")
            let fast = ["--prefill-ms", "20", "--decode-ms", "2", "--output-tokens", "16", "--seed", "5"]
            let key = ["CANDIDATE_API_KEY": "sim-accepts-any-key"]   // the suite names the variable; the simulator ignores it
            // The suite's reference is the last promoted run of support-chat-2.4: record one.
            let store = try RunStore(path: db)
            let suite = try DocumentLoader.loadDriftSuite(at: repoPath("evalsuites/support-drift.yaml"))
            try await Tollgate.withSim(fast) { url in
                try await withHTTPClient { client in
                    var s = suite
                    s.target.endpoint = url
                    s.current = .replay(traffic: repoPath("traffic/support.jsonl"), requests: 60, concurrency: 4)
                    let (samples, _) = try await DriftRunner(httpClient: client, environment: key).currentWindow(s, store: nil, now: Date())
                    let run = try store.createRun(NewRun(kind: .rollout, name: "support-chat-2.4", candidateVersion: "2.4.0"))
                    try store.insertSamples(samples, runID: run.id, stage: nil)
                    try store.write { try $0.setStatus(runID: run.id, status: .promoted) }
                }
            }
            // A target whose decode is ten times slower drifts: exit 5, naming the latency features.
            let drift = try await Tollgate.withSim(["--prefill-ms", "20", "--decode-ms", "20", "--output-tokens", "16", "--seed", "6"]) { url in
                try await TollgateCLI.run(["drift", "run", "evalsuites/support-drift.yaml", "--target", url, "--requests", "60", "--db", db, "--json"], environment: key)
            }
            #expect(drift.status == 5, "\(drift.stderr)")
            let verdict = try #require(try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as? [String: Any])
            let named = verdict["drifted_features"] as? [String] ?? []
            #expect(named.contains("itl_ms"))
            #expect(!named.contains("output_tokens"))
            // Nothing listening: an operational failure, exit 1.
            let down = try await TollgateCLI.run(["drift", "run", "evalsuites/support-drift.yaml", "--target", "http://127.0.0.1:\(try freeLoopbackPort())/v1",
                                               "--requests", "4", "--db", db], environment: key)
            #expect(down.status == 1, "\(down.stderr)")
            // A suite that does not validate: bad input, exit 2.
            try "kind: driftsuite\nname: x\n".write(toFile: folder.path("bad.yaml"), atomically: true, encoding: .utf8)
            let bad = try await TollgateCLI.run(["drift", "run", folder.path("bad.yaml"), "--db", db])
            #expect(bad.status == 2)
            // History lists the stored verdict.
            let history = try await TollgateCLI.run(["drift", "history", "evalsuites/support-drift.yaml", "--db", db])
            #expect(history.status == 0)
            #expect(history.stdout.contains("DRIFT") && history.stdout.contains("itl_ms"))
        }
    }
}
