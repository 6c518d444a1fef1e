import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport
@testable import TollgateEngine

@Suite("Prometheus client")
struct PrometheusClientTests {
    static let vector = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"le":"0.1"},"value":[1764633600.5,"3"]},{"metric":{"le":"+Inf"},"value":[1764633600.5,"7.5"]}]}}"#

    func withServer(_ respond: @escaping @Sendable (String) -> (status: Int, body: String),
                    _ body: (CannedHTTPServer, HTTPClient) async throws -> Void) async throws {
        let server = try await CannedHTTPServer.start(respond)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await body(server, http)
        } catch {
            try? await http.shutdown()
            await server.stop()
            throw error
        }
        try await http.shutdown()
        await server.stop()
    }

    func failure(_ work: () async throws -> Void) async -> PrometheusError? {
        do { try await work(); return nil } catch let error as PrometheusError { return error } catch { return nil }
    }

    @Test func instantQueriesSendTheTokenAndEncodeThePromQL() async throws {
        try await withServer({ _ in (200, Self.vector) }) { server, http in
            let client = PrometheusClient(url: server.url + "/", token: "s3cret", client: http)
            let at = Date(timeIntervalSince1970: 1_764_633_600.5)
            let result = try await client.query(#"sum by (le) (increase(x_bucket{a="b+c"}[5s]))"#, at: at)
            #expect(result == [PrometheusSample(labels: ["le": "0.1"], value: 3), PrometheusSample(labels: ["le": "+Inf"], value: 7.5)])
            let request = try #require(server.received.first)
            #expect(request.authorization == "Bearer s3cret")
            #expect(request.uri.hasPrefix("/api/v1/query?"))
            let items = URLComponents(string: "http://x" + request.uri)?.queryItems ?? []
            #expect(items.first { $0.name == "query" }?.value == #"sum by (le) (increase(x_bucket{a="b+c"}[5s]))"#)
            #expect(items.first { $0.name == "time" }?.value == "1764633600.500")
            #expect(request.uri.contains("%2B"), "a + in PromQL must not arrive as a space")
        }
    }

    @Test func scalarsAndRangesDecode() async throws {
        try await withServer({ uri in
            uri.hasPrefix("/api/v1/query_range")
                ? (200, #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"sims"},"values":[[10,"1"],[11,"NaN"]]}]}}"#)
                : (200, #"{"status":"success","data":{"resultType":"scalar","result":[12.5,"+Inf"]}}"#)
        }) { server, http in
            let client = PrometheusClient(url: server.url, token: nil, client: http)
            let scalar = try await client.query("1/0", at: Date())
            #expect(scalar.first?.value == .infinity && scalar.first?.labels == [:])
            let series = try await client.queryRange("up", start: Date(timeIntervalSince1970: 10), end: Date(timeIntervalSince1970: 11), step: .seconds(1))
            #expect(series.count == 1 && series[0].labels == ["job": "sims"] && series[0].points.count == 2)
            #expect(series[0].points[0].value == 1 && series[0].points[1].value.isNaN)
            #expect(server.received.last?.authorization == nil)
            #expect(server.received.last?.uri.contains("step=1.0") == true)
        }
    }

    @Test func errorsAreClassifiedWithPrometheusOwnMessage() async throws {
        try await withServer({ uri in
            if uri.contains("bad") { return (400, #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected \"}\""}"#) }
            if uri.contains("locked") { return (401, "Unauthorized") }
            if uri.contains("busy") { return (503, #"{"status":"error","errorType":"unavailable","error":"Service Unavailable"}"#) }
            return (200, "<html>not prometheus</html>")
        }) { server, http in
            let client = PrometheusClient(url: server.url, token: nil, client: http)
            let bad = await failure { _ = try await client.query("bad}", at: Date()) }
            #expect(bad == .badQuery(query: "bad}", errorType: "bad_data", message: #"invalid parameter "query": 1:5: parse error: unexpected "}""#))
            #expect(bad?.isInputError == true)
            #expect(bad?.description.contains("parse error") == true)
            let locked = await failure { _ = try await client.query("locked", at: Date()) }
            #expect(locked == .unauthorized(url: server.url, status: 401))
            let busy = await failure { _ = try await client.query("busy", at: Date()) }
            #expect(busy == .serverError(status: 503, errorType: "unavailable", message: "Service Unavailable"))
            #expect(busy?.isInputError == false)
            let junk = await failure { _ = try await client.query("up", at: Date()) }
            guard case .unexpectedAnswer(_, 200, let body) = junk else { Issue.record("got \(String(describing: junk))"); return }
            #expect(body.contains("not prometheus"))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aPrometheusThatNeverAnswersTimesOutAsNoDataNamingTheTimeout() async throws {
        let server = try await CannedHTTPServer.startSilent()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = PrometheusClient(url: server.url, token: nil, timeout: .seconds(1), client: http)
        let started = ContinuousClock.now
        let error = await failure { _ = try await client.query("up", at: Date()) }
        let waited = ContinuousClock.now - started
        #expect(error == .timedOut(url: server.url, seconds: 1), "got \(String(describing: error))")
        #expect(error?.isInputError == false)
        #expect(error?.description == "Prometheus at \(server.url) did not answer within 1s.")
        #expect(waited >= .milliseconds(900) && waited < .seconds(10), "\(waited)")
        // Through the source, with `timeout: 1s` as a pipeline writes it: a source failure (the check's
        // metrics are nodata), never a measurement.
        let pipeline = try PrometheusMetricSourceTests.pipeline(metrics: ["{ metric: ttft_ms, tolerance: 10%, critical: true }"], source: """
            metrics_source:
              prometheus: { url: "\(server.url)", timeout: 1s, selectors: { baseline: '{v="1"}', candidate: '{v="2"}' } }
            """)
        let config = try #require(pipeline.metricsSource?.prometheus)
        #expect(config.timeout == .seconds(1))
        let source = PrometheusMetricSource(client: PrometheusClient(url: config.url, token: nil, timeout: config.timeout, client: http), config: config)
        let window = MeasurementWindow(start: Date().addingTimeInterval(-30), end: Date(), baseline: [], candidate: [])
        let measuredAt = ContinuousClock.now
        do {
            _ = try await source.measure(pipeline.analysis.metrics, window: window)
            Issue.record("a Prometheus that never answers was measured")
        } catch let failure as MetricSourceFailure {
            #expect(failure.reason.contains("did not answer within 1s"), "\(failure.reason)")
            #expect(failure.consecutive == 1 && !failure.isInputError)
        }
        #expect(ContinuousClock.now - measuredAt < .seconds(10))
        // In a rollout: the check is a hold with every metric nodata and the reason, then on_source_error pauses.
        let (state, checks) = try await MetricSourceTests().run(source, sourceSection: MetricSourceTests.source("  source_errors: 1"),
                                                                storedPerInterval: 0)
        #expect(state.phase == .paused, "\(state.phase)")
        #expect(state.pauseReason?.contains("did not answer within 1s") == true, "\(state.pauseReason ?? "")")
        #expect(checks.count == 1 && checks[0].decision == "hold" && checks[0].summary.hasPrefix("No data"), "\(checks.map(\.summary))")
        try await http.shutdown()
        await server.stop()
    }

    @Test func unreachableAndMissingTokenAreTheirOwnErrors() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let port = try freeLoopbackPort()
        let client = PrometheusClient(url: "http://127.0.0.1:\(port)", token: nil, timeout: .seconds(1), client: http)
        let error = await failure { _ = try await client.query("up", at: Date()) }
        try await http.shutdown()
        guard case .unreachable(let url, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(url == "http://127.0.0.1:\(port)")
        #expect(throws: PrometheusError.missingToken(variable: "PROM_TOKEN")) {
            try PrometheusClient.token(variable: "PROM_TOKEN", environment: [:])
        }
        #expect(try PrometheusClient.token(variable: "PROM_TOKEN", environment: ["PROM_TOKEN": "t"]) == "t")
        #expect(try PrometheusClient.token(variable: nil, environment: [:]) == nil)
    }
}
