import Foundation
import Testing
import TollgateCore
import TollgateTestSupport

/// `tollgate qualify` against the real llama.cpp OpenAI server (llama-cpp-python, SmolLM2-135M
/// Q4_1), which qualify itself starts from `start_command` on a free port and stops by PID.
/// Skipped with "skipped: llama.cpp server not installed" when `scripts/peers/setup.sh` has not run.
@Suite("tollgate qualify against llama.cpp", .serialized, .enabled(if: LlamaPeer.installed != nil, Comment(rawValue: LlamaPeer.skipReason)))
struct LlamaQualifyTests {
    @Test func coldStartAndASweepOfTheRealServerGivePlausibleNumbers() async throws {
        let peer = try #require(LlamaPeer.installed)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let lines = try String(contentsOfFile: CLI.root.appendingPathComponent("traffic/support.jsonl").path, encoding: .utf8)
            .split(separator: "\n").prefix(4)
        try lines.joined(separator: "\n").write(toFile: folder.path("traffic.jsonl"), atomically: true, encoding: .utf8)
        let python = peer.python
        let yaml = """
        version: 1
        kind: pipeline
        name: llama-qualify
        model:
          name: smollm2
          max_input_tokens: 512
          baseline: { version: q4_1, endpoint: "http://127.0.0.1:\(port)/v1" }
          candidate:
            version: q4_1
            endpoint: "http://127.0.0.1:\(port)/v1"
            start_command: "\(python) -m llama_cpp.server --model \(peer.baselineModel) --model_alias smollm2 --host 127.0.0.1 --port \(port) --n_threads 1 --n_ctx 1024 --interrupt_requests False"
        objectives: { ttft_ms: { p95: 30000 }, error_rate: { max: 0.5 } }
        traffic: { source: traffic.jsonl, overrides: { max_tokens: 8, temperature: 0 } }
        stages:
          - full: {}
        autoscaling: { cold_start: 120s }
        qualify:
          cold_start: { repeats: 1, timeout: 120s, poll_interval: 100ms }
          sweep: { concurrency: [1, 2], min_requests: 3, requests_per_slot: 2, max_tokens: 8 }
        """
        let path = folder.path("pipeline.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await LlamaPeerTests.tollgate(["qualify", path, "--only", "cold_start,sweep", "--json", "--db", folder.path("runs.db")])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        let cold = try #require(json["cold_start"] as? [String: Any])
        let seconds = try #require(cold["median_seconds"] as? Double)
        #expect(seconds > 0.2 && seconds < 120, "cold start \(seconds)s")
        let sweep = try #require(json["sweep"] as? [String: Any])
        let levels = try #require(sweep["levels"] as? [[String: Any]])
        #expect(levels.count == 2, "\(sweep)")
        let first = try #require(levels.first?["summary"] as? [String: Any])
        let rps = try #require(first["requests_per_second"] as? Double)
        #expect(rps > 0.05 && rps < 100, "\(first)")
        #expect(first["succeeded"] as? Int == first["requests"] as? Int, "\(first)")
        print("llama.cpp qualify: cold start \(seconds)s; sweep \(levels.map { l -> String in let s = l["summary"] as? [String: Any]; return "c\(l["concurrency"] ?? "?") \(s?["requests_per_second"] ?? "?") req/s, TTFT p50 \((s?["ttft_ms"] as? [String: Any])?["p50"] ?? "?") ms" })")
        #expect(loopbackGETStatus(port: port, path: "/v1/models") == nil, "the started server was stopped")
    }
}
