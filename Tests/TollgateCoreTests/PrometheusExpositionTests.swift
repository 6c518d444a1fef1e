import Testing
import TollgateCore

@Suite("Prometheus text exposition")
struct PrometheusExpositionTests {
    @Test("families, samples with escaped labels, and cumulative histograms")
    func writesTheFormat() {
        var out = PrometheusExposition()
        out.family("requests_total", .counter, help: "Requests.")
        out.sample("requests_total", labels: [("arm", "base\"line\\\n")], 3)
        out.sample("up", 1)
        out.family("latency_seconds", .histogram, help: "Latency.")
        out.histogram("latency_seconds", labels: [("arm", "a")], bounds: [0.005, 1, 2.5], counts: [1, 2, 0], sum: 1.5, count: 4)
        #expect(out.text == """
            # HELP requests_total Requests.
            # TYPE requests_total counter
            requests_total{arm="base\\"line\\\\\\n"} 3
            up 1
            # HELP latency_seconds Latency.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{arm="a",le="0.005"} 1
            latency_seconds_bucket{arm="a",le="1"} 3
            latency_seconds_bucket{arm="a",le="2.5"} 3
            latency_seconds_bucket{arm="a",le="+Inf"} 4
            latency_seconds_sum{arm="a"} 1.5
            latency_seconds_count{arm="a"} 4

            """)
    }

    @Test("numbers as Go's client and as Python's prometheus_client write them")
    func numberStyles() {
        let plain = PrometheusExposition(), python = PrometheusExposition(numberStyle: .python)
        #expect([1, 0.001, 2560].map(plain.number) == ["1", "0.001", "2560"])
        #expect([1, 0.001, 2560].map(python.number) == ["1.0", "0.001", "2560.0"])
        #expect(plain.number(.infinity) == "+Inf")
        #expect(PromSelector.quote("a\"b") == #""a\"b""#)
    }
}
