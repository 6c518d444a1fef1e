import Foundation
import Testing
import TollgateCore
@testable import TollgateEngine

@Suite("PromQL building")
struct PromQLTests {
    @Test func selectorsParseAndWriteBackWithEscapedValues() throws {
        let s = try PromSelector.parse(#" { model_name="chat-2.4", namespace =~ "prod|canary" ,pod!~"x\"y\\z" } "#)
        #expect(s.matchers == [.init("model_name", .equal, "chat-2.4"), .init("namespace", .regex, "prod|canary"),
                               .init("pod", .notRegex, #"x"y\z"#)])
        #expect(s.description == #"{model_name="chat-2.4",namespace=~"prod|canary",pod!~"x\"y\\z"}"#)
        #expect(try PromSelector.parse(s.description) == s)
        #expect(PromSelector([.init("v", .equal, "line\nbreak")]).description == #"{v="line\nbreak"}"#)
    }

    @Test func badSelectorsSayWhereTheyWentWrong() {
        func message(_ text: String) -> String {
            do { _ = try PromSelector.parse(text); return "parsed" } catch { return "\(error)" }
        }
        #expect(message(#"model_name="a""#).contains("starts with '{'"))
        #expect(message(#"{model_name=a}"#).contains("double quotes"))
        #expect(message(#"{model_name=="a"}"#).contains("expected =, !=, =~ or !~"))
        #expect(message(#"{model_name="a"#).contains("no closing quote"))
        #expect(message(#"{model_name="a" x}"#).contains("expected ',' or '}'"))
        #expect(message("{}").contains("no matcher"))
        #expect(message(#"{a="b"} extra"#).contains("after the closing"))
    }

    @Test func queriesSumBucketIncreasesByLeOverTheWindow() throws {
        let s = try PromSelector.parse(#"{model_name="chat"}"#)
        #expect(PromQL.bucketIncrease(histogram: "vllm:time_to_first_token_seconds", s, windowSeconds: 41.2)
                == #"sum by (le) (increase(vllm:time_to_first_token_seconds_bucket{model_name="chat"}[42s]))"#)
        #expect(PromQL.increase("vllm:e2e_request_latency_seconds_count", s, windowSeconds: 30)
                == #"sum(increase(vllm:e2e_request_latency_seconds_count{model_name="chat"}[30s]))"#)
        // A window shorter than two scrapes is widened to 2 s.
        #expect(PromQL.range(0.4) == "[2s]")
        #expect(PromQL.increase("http_requests_total", s.adding([.init("status", .equal, "5xx")]), windowSeconds: 10)
                == #"sum(increase(http_requests_total{model_name="chat",status="5xx"}[10s]))"#)
    }

    @Test func customQueriesGetTheArmsSelectorVersionAndWindow() throws {
        let s = try PromSelector.parse(#"{track="candidate"}"#)
        let q = PromQL.fill(#"rate(vllm:num_preemptions_total{{selector}}{{window}}) + on() vector(0) * count(up{version="{{version}}"})"#,
                            selector: s, version: #"2.4"beta"#, windowSeconds: 60)
        #expect(q == #"rate(vllm:num_preemptions_total{track="candidate"}[60s]) + on() vector(0) * count(up{version="2.4\"beta"})"#)
    }
}
