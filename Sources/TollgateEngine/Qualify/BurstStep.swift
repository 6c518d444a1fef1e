import Foundation
import TollgateCore
import TollgateTraffic

extension QualificationRunner {
    /// A steady-state baseline, then an open-loop (Poisson) burst at `multiplier` × the declared
    /// peak rate; from the burst's end, sequential probes until three in a row are back at the
    /// steady-state TTFT. Nil when there is no rate to burst at.
    func burst(tally: inout ErrorTally) async throws -> BurstResult? {
        let b = config.burst
        guard let rate = b.rate ?? DeclaredFacts(pipeline).peakRPS.map({ $0 * b.multiplier }) else { return nil }
        say(.burst, "steady state: \(b.baselineRequests) sequential requests")
        let (baseline, _) = try await replay(.closedLoop(concurrency: 1), requests: b.baselineRequests, maxTokens: b.maxTokens, step: .burst)
        let steady = baseline.arms.first?.ttftMs.p50
        say(.burst, String(format: "burst: %.1f req/s for %@", rate, DurationText.format(b.duration)))
        let burstStart = ContinuousClock.now
        let burstEnd = burstStart.advanced(by: b.duration)
        async let burstRun = replay(.openLoop(rate: rate, arrivals: .poisson), requests: nil, duration: b.duration,
                                    maxTokens: b.maxTokens, step: .burst)
        let probe = try firstRequestBody(maxTokens: b.maxTokens ?? 8)
        let recovery = await recover(after: burstEnd, steady: steady, probe: probe)
        let (report, samples) = try await burstRun
        guard let summary = report.arms.first else { return nil }
        tally.add(summary)
        let shed = samples.filter { $0.httpStatus == 429 || $0.httpStatus == 503 }.count
        let timedOut = samples.filter { [.timeoutFirstToken, .timeoutIdle, .timeoutTotal].contains($0.errorClass) }.count
        say(.burst, String(format: "burst: %d requests, %d errors (%d shed), TTFT p95 %@, recovered %@", summary.requests,
                           summary.requests - summary.succeeded, shed, summary.ttftMs.p95.map { String(format: "%.0f ms", $0) } ?? "-",
                           recovery.map { String(format: "after %.2fs", $0) } ?? "not within the timeout"))
        return BurstResult(rate: rate, durationSeconds: DurationText.seconds(b.duration), summary: summary, steadyTtftP50Ms: steady,
                           recoverySeconds: recovery, shed: shed, timedOut: timedOut)
    }

    /// Seconds from `end` until the first of three consecutive probes that succeed within the
    /// recovery tolerance of `steady`; nil when the recovery timeout passes first.
    private func recover(after end: ContinuousClock.Instant, steady: Double?, probe: JSONValue) async -> Double? {
        let b = config.burst
        try? await Task.sleep(until: end, clock: .continuous)
        let limit = (steady ?? .infinity) * (1 + b.recoveryTolerance)
        let deadline = end.advanced(by: b.recoveryTimeout)
        var run: [ContinuousClock.Instant] = []
        var n = 0
        while ContinuousClock.now < deadline, !Task.isCancelled {
            n += 1
            let sent = ContinuousClock.now
            let result = await client.send(probe, requestID: "qualify-recovery-\(n)", arm: arm)
            if result.sample.succeeded, let ttft = result.sample.ttftMs, ttft <= limit {
                run.append(sent)
                if run.count == 3 { return max(0, DurationText.seconds(run[0] - end)) }
            } else {
                run.removeAll()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        return nil
    }
}
