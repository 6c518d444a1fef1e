import Foundation
import NIOHTTP1
import Testing
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateStore
import TollgateTestSupport

/// 10,000 alert posts from 8 concurrent clients: matching, non-matching, re-sent and malformed.
@Suite struct AlertLoadTests {
    // 10,000 posts take about 30 s on an idle 2-core machine; the limit only guards against a
    // hang, so it leaves room for a loaded CI machine (how fast alerts are taken is not asserted).
    @Test(.timeLimit(.minutes(3)))
    func everyWellFormedAlertIsStoredExactlyOnceAndTheServiceStaysUp() async throws {
        let h = try await ServiceHarness(supervise: false)
        do {
            let path = try PipelineYAML.alertable(name: "load", model: "load-model",
                                                  rollbackOn: #"    - alert: { matchers: ['alertname="LoadMatch"', 'model=~"load-.*"'] }"#)
                .write(in: h.folder.url, fileName: "p.yaml")
            let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: try DocumentLoader.loadPipeline(at: path), store: h.store)

            let total = 10_000, clients = 8
            /// The body of request `i`, and the dedupe identity of the alert it carries (nil: malformed).
            func request(_ i: Int) -> (body: String, identity: String?, matching: Bool) {
                switch i % 4 {
                case 0: return (#"{"labels":{"alertname":"LoadOther","n":"\#(i)"},"status":"firing"}"#, "other-\(i)", false)
                case 1:  // a re-send of request i-1
                    return (#"{"labels":{"alertname":"LoadOther","n":"\#(i - 1)"},"status":"firing"}"#, "other-\(i - 1)", false)
                case 2: return (#"{"labels":{"alertname":"LoadMatch","model":"load-model","n":"\#(i)"},"status":"firing"}"#, "match-\(i)", true)
                default: return (#"{"labels":{"alertname":"#, nil, false)
                }
            }
            let statuses = try await withThrowingTaskGroup(of: [Int: Int].self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var counts: [Int: Int] = [:]
                        for i in stride(from: c, to: total, by: clients) {
                            counts[try await h.request(.POST, "/v1/alerts", body: request(i).body).status, default: 0] += 1
                        }
                        return counts
                    }
                }
                var all: [Int: Int] = [:]
                for try await counts in group { all.merge(counts, uniquingKeysWith: +) }
                return all
            }
            let malformed = (0..<total).filter { request($0).identity == nil }.count
            #expect(statuses[400] == malformed)
            #expect(statuses[202] == total - malformed)
            #expect(try await h.request(.GET, "/health", token: nil).status == 200)

            let expected = Set((0..<total).compactMap { request($0).identity })
            let stored = try h.store.read { try $0.alerts() }
            #expect(stored.count == expected.count, "stored \(stored.count), expected \(expected.count) distinct alerts")
            #expect(Set(stored.map(\.fingerprint)).count == stored.count, "an alert was stored twice")
            let matching = (0..<total).filter { request($0).matching }.count
            let commands = try h.store.events(runID: run.id).filter { $0.kind == "command" }
            #expect(commands.count == matching, "each distinct matching alert asks once: \(commands.count) vs \(matching)")
        } catch { Issue.record(error) }
        await h.stop()
    }
}
