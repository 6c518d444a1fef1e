import Foundation
import NIOConcurrencyHelpers
import TollgateAnalysis
public import TollgateCore
import TollgateStats

/// Canary metrics read from Prometheus: each arm's histogram **increase over the window** (bucket
/// counts, summed by `le` over the arm's series, never `histogram_quantile` estimates) and counter
/// increases for rates. Requests per arm come from the `_count` increase of the preset's request
/// histogram, so `min_samples` and `max_samples` count what they count for Tollgate's samples.
///
/// The judge compares binned data through pseudo-observations: every request in a bucket takes the
/// bucket's geometric midpoint (half the upper edge for the first bucket, the last finite edge for
/// +Inf). Both arms share the buckets, so a candidate no worse than the baseline fills them alike and
/// the sequential test's false-rollback rate holds; the log-ratio estimate's binning error is at most
/// half the log-width of a bucket. The binned Mann–Whitney p-value (ties by bucket) is journaled beside it.
///
/// A histogram observed several times per request (SGLang's `inter_token_latency_seconds`, one
/// observation per gap) is weighted first (``weight(observations:requests:maxTokens:)``): the gaps of one
/// request share its decode speed, so counting each as a request would understate the standard
/// error and roll back identical candidates.
public final class PrometheusMetricSource: MetricSource {
    public let client: PrometheusClient
    public let config: PrometheusSourceConfig
    public let preset: PrometheusPreset
    /// The arms' versions, for `{{version}}` in query metrics.
    public let versions: (baseline: String, candidate: String)
    /// The most tokens one request generates (`model.max_output_tokens`), which bounds how many
    /// observations of a per-gap histogram one request contributes.
    public let maxTokensPerRequest: Int?
    private let failures = NIOLockedValueBox(0)

    public init(client: PrometheusClient, config: PrometheusSourceConfig, versions: (baseline: String, candidate: String) = ("", ""),
                maxTokensPerRequest: Int? = nil) {
        self.client = client
        self.config = config
        self.preset = PrometheusPreset.named(config.preset)
        self.versions = versions
        self.maxTokensPerRequest = maxTokensPerRequest
    }

    /// The sample size a per-gap histogram is worth: `observations` gaps of `requests` requests,
    /// each request at most `maxTokens` gaps. The gaps' log-mean is a token-weighted mean of the
    /// requests' speeds, whose variance is that of `G² / Σkᵢ²` independent requests (kᵢ the gaps of
    /// request i, G their sum); with kᵢ ≤ K, Σkᵢ² ≤ K·G, so `G / K` requests (never more than there
    /// are) is a weight the judge can trust whatever the answers' lengths. Weighting to the request
    /// count alone would assume every request equally long: with mixed lengths (most answers short,
    /// a few long) it rolls back identical candidates several times as often as α
    /// (benchmarks/stats/gap-weighting.py).
    public static func weight(observations: Int, requests: Int, maxTokens: Int) -> Int {
        min(requests, observations / max(1, maxTokens))
    }

    public var summary: String { "prometheus \(client.url) (\(config.preset.rawValue))" }

    public func measure(_ metrics: [MetricCriterionConfig], window: MeasurementWindow) async throws -> StageMeasurement {
        do {
            let result = try await measureOnce(metrics, window: window)
            resetFailures()
            return result
        } catch let error as PrometheusError {
            throw failure(error)
        }
    }

    func resetFailures() { failures.withLockedValue { $0 = 0 } }

    /// `error` as this check's source failure, counted in the run of consecutive ones.
    func failure(_ error: PrometheusError) -> MetricSourceFailure {
        let n = failures.withLockedValue { n -> Int in n += 1; return n }
        return MetricSourceFailure(reason: error.description, consecutive: n, isInputError: error.isInputError)
    }

    /// Bucket counts of one arm: cumulative `le` values from the query, ascending.
    struct Buckets: Equatable {
        var edges: [Double]
        var counts: BinnedCounts
    }

    func buckets(_ histogram: String, _ selector: PromSelector, window: MeasurementWindow) async throws -> (Buckets?, String) {
        let query = PromQL.bucketIncrease(histogram: histogram, selector, windowSeconds: window.seconds)
        let samples = try await client.query(query, at: window.end)
        let pairs = samples.compactMap { s -> (Double, Double)? in
            guard let le = s.labels["le"] else { return nil }
            let edge = le == "+Inf" ? Double.infinity : Double(le)
            return edge.map { ($0, s.value) }
        }.sorted { $0.0 < $1.0 }
        guard !pairs.isEmpty else { return (nil, query) }
        return (Buckets(edges: pairs.map(\.0), counts: BinnedCounts.fromCumulative(pairs.map(\.1))), query)
    }

    /// A counter's (or a histogram's `_sum` or `_count`) increase over the window; nil when no series matched.
    func increase(_ name: String, _ selector: PromSelector, window: MeasurementWindow) async throws -> (Double?, String) {
        let query = PromQL.increase(name, selector, windowSeconds: window.seconds)
        let samples = try await client.query(query, at: window.end)
        guard let value = samples.first?.value, value.isFinite else { return (nil, query) }
        return (max(0, value), query)
    }

    /// A counter's increase as a whole number of events.
    func counter(_ name: String, _ selector: PromSelector, window: MeasurementWindow) async throws -> (Int?, String) {
        let (value, query) = try await increase(name, selector, window: window)
        return (value.map { Int($0.rounded()) }, query)
    }

    /// One value per request: each bucket's representative value, scaled to the metric's unit.
    static func observations(_ b: Buckets, scale: Double) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(b.counts.total)
        for (i, count) in b.counts.counts.enumerated() where count > 0 {
            let upper = b.edges[i]
            let lower = i > 0 ? b.edges[i - 1] : 0
            let value: Double
            if upper.isInfinite {
                value = lower > 0 ? lower : 1
            } else if lower <= 0 {
                value = upper / 2
            } else {
                value = (lower * upper).squareRoot()
            }
            out.append(contentsOf: repeatElement(value * scale, count: count))
        }
        return out
    }

    func measureOnce(_ metrics: [MetricCriterionConfig], window: MeasurementWindow) async throws -> StageMeasurement {
        let arms = [config.baseline, config.candidate]
        var counts: [Int] = []
        var countQueries: [String] = []
        for selector in arms {
            let (n, query) = try await counter(preset.requestCount + "_count", selector, window: window)
            counts.append(n ?? 0)
            countQueries.append(query)
        }
        var observations: [String: MetricSamples] = [:]
        var measured: [MeasuredMetric] = []
        for metric in metrics {
            guard let series = preset.series[metric.metric] else { continue }
            let name = PipelineJudge.criterionName(metric)
            var entry = MeasuredMetric(metric: name, queries: [], windowSeconds: window.seconds, baselineCount: 0, candidateCount: 0)
            var samples = MetricSamples(baseline: [], candidate: [])
            switch series {
            case .histogram(let histogram, let scale, let perRequest):
                let (observedB, qb) = try await buckets(histogram, config.baseline, window: window)
                let (observedC, qc) = try await buckets(histogram, config.candidate, window: window)
                entry.queries = [qb, qc]
                var b = observedB, c = observedC
                if !perRequest, let ob = observedB, let oc = observedC {
                    // Several observations per request: weighted to what they are worth in requests.
                    entry.baselineObservations = ob.counts.total
                    entry.candidateObservations = oc.counts.total
                    entry.queries += countQueries
                    if let k = maxTokensPerRequest {
                        b?.counts = ob.counts.apportioned(to: Self.weight(observations: ob.counts.total, requests: counts[0], maxTokens: k))
                        c?.counts = oc.counts.apportioned(to: Self.weight(observations: oc.counts.total, requests: counts[1], maxTokens: k))
                    } else {
                        entry.nodataReason = "\(histogram) counts every inter-token gap; weighting the gaps to requests needs model.max_output_tokens"
                        observations[name] = samples
                        measured.append(entry)
                        continue
                    }
                }
                if let b, let c, b.edges == c.edges {
                    entry.baselineCount = b.counts.total
                    entry.candidateCount = c.counts.total
                    samples = MetricSamples(baseline: Self.observations(b, scale: scale), candidate: Self.observations(c, scale: scale))
                    if b.counts.total > 0, c.counts.total > 0 {
                        entry.binnedMannWhitneyP = try? BinnedMannWhitney.test(
                            c.counts, b.counts, alternative: metric.worse == .higher ? .greater : .less).pValue
                    } else {
                        entry.nodataReason = "the window (\(Int(window.seconds.rounded())) s) holds no requests in \(b.counts.total == 0 ? "the baseline's" : "the candidate's") series"
                    }
                } else if b == nil || c == nil {
                    entry.nodataReason = "no series matched `\(b == nil ? qb : qc)`"
                } else {
                    entry.nodataReason = "the arms' \(histogram) buckets differ, so their counts cannot be compared"
                }
            case .rate(let events, let eventMatchers, let total, let totalMatchers):
                var pairs: [(Int, Int)] = []
                for selector in arms {
                    let (e, qe) = try await counter(events, selector.adding(eventMatchers), window: window)
                    let (t, qt) = try await counter(total, selector.adding(totalMatchers), window: window)
                    entry.queries += [qe, qt]
                    if t == nil { entry.nodataReason = "no series matched `\(qt)`" }
                    pairs.append((min(e ?? 0, t ?? 0), t ?? 0))
                }
                entry.baselineCount = pairs[0].1
                entry.candidateCount = pairs[1].1
                if entry.nodataReason == nil {
                    func flags(_ p: (Int, Int)) -> [Double] { Array(repeating: 1, count: p.0) + Array(repeating: 0, count: p.1 - p.0) }
                    samples = MetricSamples(baseline: flags(pairs[0]), candidate: flags(pairs[1]))
                }
            }
            observations[name] = samples
            measured.append(entry)
        }
        measured.insert(MeasuredMetric(metric: "requests", queries: countQueries, windowSeconds: window.seconds,
                                       baselineCount: counts[0], candidateCount: counts[1],
                                       nodataReason: counts.contains(0) ? "an arm has no requests in the window" : nil), at: 0)
        return StageMeasurement(observations: observations, baselineCount: counts[0], candidateCount: counts[1],
                                measured: measured, source: summary)
    }
}
