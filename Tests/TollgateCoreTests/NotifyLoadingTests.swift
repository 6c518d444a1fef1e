import Foundation
import Testing
import TollgateCore

/// The pipeline's `notify:` section: webhooks for stage events, secrets by variable name only.
@Suite struct NotifyLoadingTests {
    static func pipeline(_ notify: String) -> String {
        """
        \(pipelineHead(traffic: "source: t.jsonl"))
        analysis:
          metrics:
            - { metric: ttft_ms, tolerance: 10% }
        stages:
          - canary: { weight: 5, min_samples: 10, max_duration: 1m }
        notify:
        \(notify)
        """
    }

    static func problems(_ notify: String) -> [String] { pipelineProblems(pipeline(notify)) }

    @Test func webhooksAreReadWithTheirFormatEventsAndRetries() throws {
        let loaded = try DocumentLoader.loadPipeline(text: Self.pipeline("""
              - { name: chat, webhook_env: SLACK_URL, format: slack, events: [rolled_back, finished], retries: 5, backoff: 2s }
              - { webhook: "http://127.0.0.1:9000/hook", token_env: HOOK_TOKEN }
            """), path: "p.yaml", checkFiles: false)
        #expect(loaded.notify == [
            NotifyWebhook(name: "chat", urlEnv: "SLACK_URL", format: .slack, events: [.rolledBack, .finished], retries: 5, backoffSeconds: 2),
            NotifyWebhook(name: "notify[1]", url: "http://127.0.0.1:9000/hook", tokenEnv: "HOOK_TOKEN"),
        ])
        let single = try DocumentLoader.loadPipeline(text: Self.pipeline("  webhook: \"https://example.invalid/h\""), path: "p.yaml", checkFiles: false)
        #expect(single.notify.map(\.url) == ["https://example.invalid/h"])
    }

    @Test func badWebhooksAreReportedWithFileLineAndColumn() {
        let inline = Self.problems("  - { webhook: \"http://127.0.0.1:9/h\", token: abc }")
        #expect(inline.count == 1 && inline[0].hasPrefix("p.yaml:15:") && inline[0].contains("token_env"))
        let scheme = Self.problems("  - { webhook: \"ftp://host/h\" }")
        #expect(scheme.count == 1 && scheme[0].hasPrefix("p.yaml:15:") && scheme[0].contains("http:// or https://"))
        let both = Self.problems("  - { webhook: \"http://127.0.0.1:9/h\", webhook_env: URL_VAR }")
        #expect(both.count == 1 && both[0].contains("exactly one of 'webhook'"))
        let event = Self.problems("  - { webhook_env: URL_VAR, events: [stage_exploded] }")
        #expect(event.count == 1 && event[0].hasPrefix("p.yaml:15:") && event[0].contains("stage_started"))
        let unknown = Self.problems("  - { webhook_env: URL_VAR, channel: ops }")
        #expect(unknown.count == 1 && unknown[0].contains("channel"))
        let env = Self.problems("  - { webhook_env: \"not a variable\" }")
        #expect(env.count == 1 && env[0].contains("environment variable"))
    }
}
