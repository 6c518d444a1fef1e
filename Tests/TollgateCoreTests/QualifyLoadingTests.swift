import Foundation
import Testing
import TollgateCore

/// The pipeline's `qualify:` section and the versions' start and restart commands.
@Suite struct QualifyLoadingTests {
    static func pipeline(candidate: String = "", qualify: String) -> String {
        """
        version: 1
        kind: pipeline
        name: q
        model:
          name: m
          baseline:  { version: "1", endpoint: "http://127.0.0.1:9/v1" }
          candidate: { version: "2", endpoint: "http://127.0.0.1:9/v1"\(candidate) }
        traffic: { source: t.jsonl }
        stages:
          - full: {}
        qualify:
        \(qualify)
        """
    }

    static func problems(candidate: String = "", _ qualify: String) -> [String] {
        do {
            _ = try DocumentLoader.loadPipeline(text: pipeline(candidate: candidate, qualify: qualify), path: "p.yaml", checkFiles: false)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func readsEveryStepsSettingsAndKeepsTheDefaultsOfTheRest() throws {
        let loaded = try DocumentLoader.loadPipeline(text: Self.pipeline(candidate: ", start_command: \"llama-server --port 9\"", qualify: """
              request_timeout: 30s
              cold_start: { repeats: 5, readiness: /v1/models, poll_interval: 100ms }
              sweep: { concurrency: [1, 8, 64], requests_per_slot: 2 }
              burst: { rate: 50, duration: 2s }
              timeouts: { skip: true }
            """), path: "p.yaml", checkFiles: false)
        let q = loaded.qualify
        #expect(loaded.model.candidate.startCommand == "llama-server --port 9")
        #expect(q.requestTimeout == .seconds(30))
        #expect(q.coldStart.repeats == 5 && q.coldStart.readiness == "/v1/models" && q.coldStart.pollInterval == .milliseconds(100))
        #expect(q.sweep.concurrency == [1, 8, 64] && q.sweep.requestsPerSlot == 2 && q.sweep.minRequests == 8)
        #expect(q.burst.rate == 50 && q.burst.duration == .seconds(2) && q.burst.multiplier == 3)
        #expect(q.warmup == QualifyConfig.Warmup())
        #expect(q.skips(.timeouts) && !q.skips(.sweep))
    }

    @Test func reportsBadSettingsWhereTheyAreWritten() {
        #expect(Self.problems("  warmpu: { requests: 10 }") == ["p.yaml:12:3: unknown key 'warmpu' in 'qualify' (request_timeout, cold_start, warmup, sweep, burst, input_variability, timeouts, observability) (did you mean 'warmup'?)"])
        #expect(Self.problems("  cold_start: { readiness: health }") == ["p.yaml:12:28: 'qualify.cold_start.readiness' must be a path on the endpoint's host (/health) or a full http(s) URL, got 'health'"])
        #expect(Self.problems("  warmup: { requests: 10, window: 5 }") == ["p.yaml:12:27: 'qualify.warmup.requests' (10) must be at least three windows (15) to find a steady state"])
        #expect(Self.problems("  observability: { metrics_url: localhost:9090 }").first?.contains("must be an http:// or https:// URL") == true)
        #expect(Self.problems(candidate: ", start_command: a, restart_command: b", "  sweep: {}")
            == ["p.yaml:7:83: 'model.candidate' has both 'start_command' and 'restart_command'; give one"])
    }
}
