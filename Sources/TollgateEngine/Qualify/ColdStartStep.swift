import Foundation
import TollgateCore
import TollgateStats
import TollgateTraffic

extension QualificationRunner {
    /// Starts (or restarts) the server `repeats` times and times each start until its first
    /// successful inference; the last start stays up for the next steps. Nil without a command.
    func coldStart() async throws -> ColdStartResult? {
        let settings = config.coldStart
        let method: String
        let command: String
        if let start = version.startCommand {
            (method, command) = ("start_command", start)
        } else if let restart = version.restartCommand {
            (method, command) = ("restart_command", restart)
        } else {
            return nil
        }
        let probe = try firstRequestBody(maxTokens: 1)
        let readiness = settings.readiness.hasPrefix("/") ? origin + settings.readiness : settings.readiness
        if method == "start_command" { try await refuseIfServing(readiness) }
        var seconds: [Double] = []
        var ready: [Double?] = []
        for attempt in 1...settings.repeats {
            say(.coldStart, "start \(attempt) of \(settings.repeats): \(method)")
            if let running = server.take() { await running.stop(timeout: settings.stopTimeout) }
            let t0 = ContinuousClock.now
            if method == "start_command" {
                server.set(try ServerProcess(command: command, logPath: serverLog))
            } else {
                let outcome = try await ProcessRunner(timeout: settings.timeout).run("/bin/sh", ["-c", command], display: command, router: "restart_command")
                guard outcome.status == 0 else { throw QualifyError.serverExited(command: command, status: outcome.status) }
            }
            let (first, readyAt) = try await firstInference(since: t0, readiness: readiness, probe: probe, command: command)
            seconds.append(first)
            ready.append(readyAt)
            say(.coldStart, String(format: "start %d: first inference after %.2fs", attempt, first))
        }
        return ColdStartResult(method: method, seconds: seconds, readySeconds: ready, medianSeconds: Descriptive.median(seconds),
                               maxSeconds: seconds.max() ?? 0, declaredSeconds: DeclaredFacts(pipeline).coldStartSeconds)
    }

    /// Starts the server of `start_command` once, without timing it, when the cold start step
    /// does not run but others need the server.
    func startUntimed() async throws {
        guard let command = version.startCommand else { return }
        say(.coldStart, "starting the server (not timed): \(command)")
        let settings = config.coldStart
        let readiness = settings.readiness.hasPrefix("/") ? origin + settings.readiness : settings.readiness
        try await refuseIfServing(readiness)
        let t0 = ContinuousClock.now
        server.set(try ServerProcess(command: command, logPath: serverLog))
        _ = try await firstInference(since: t0, readiness: readiness, probe: try firstRequestBody(maxTokens: 1), command: command)
    }

    /// A server already answering where `start_command` will listen would be measured instead of
    /// the one started (and the started one could not bind): refuse.
    private func refuseIfServing(_ readiness: String) async throws {
        if let status = await get(readiness, timeout: .seconds(2)).status {
            throw QualifyError.invalidInput("\(readiness) already answers (HTTP \(status)) before start_command ran: stop that server, `tollgate qualify` starts version \(version.version) itself.")
        }
    }

    /// Polls the readiness URL and then sends the probe until it succeeds; seconds since `t0` of
    /// the first success, and of the first 2xx from the readiness URL.
    private func firstInference(since t0: ContinuousClock.Instant, readiness: String, probe: JSONValue,
                                command: String) async throws -> (Double, Double?) {
        let settings = config.coldStart
        let deadline = t0.advanced(by: settings.timeout)
        var readyAt: Double?
        var probeDirectly = false
        var lastError = "nothing answered"
        var n = 0
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            if let running = server.current, let status = running.exitStatus {
                throw QualifyError.serverExited(command: command, status: status)
            }
            if readyAt == nil, !probeDirectly {
                let (status, _, error) = await get(readiness, timeout: .seconds(2))
                if let status, (200..<300).contains(status) {
                    readyAt = DurationText.seconds(ContinuousClock.now - t0)
                } else if status == 404 || status == 405 {
                    probeDirectly = true // no readiness endpoint: the inference itself tells
                } else {
                    lastError = status.map { "\(readiness) answered \($0)" } ?? (error ?? "no answer")
                }
            }
            if readyAt != nil || probeDirectly {
                n += 1
                let result = await client.send(probe, requestID: "qualify-cold-\(n)", arm: arm)
                if result.sample.succeeded {
                    return (DurationText.seconds(ContinuousClock.now - t0), readyAt)
                }
                lastError = result.sample.errorMessage ?? result.sample.errorClass?.rawValue ?? "failed"
            }
            try await Task.sleep(for: settings.pollInterval)
        }
        throw QualifyError.neverReady(endpoint: version.endpoint, seconds: DurationText.seconds(settings.timeout), lastError: lastError)
    }
}

extension QualificationRunner {
    /// Sequential requests (right after the cold start when there was one): how many until the
    /// TTFT p50 over a sliding window is within the tolerance of the steady state.
    func warmup(tally: inout ErrorTally) async throws -> WarmupResult {
        let w = config.warmup
        say(.warmup, "\(w.requests) sequential requests")
        let (report, samples) = try await replay(.closedLoop(concurrency: 1), requests: w.requests, maxTokens: w.maxTokens, step: .warmup)
        if let summary = report.arms.first { tally.add(summary) }
        let ttfts = samples.map { $0.succeeded ? $0.ttftMs : nil }
        let detected = WarmupDetector.detect(ttfts, window: w.window, tolerance: w.tolerance)
        let facts = DeclaredFacts(pipeline)
        let result = WarmupResult(requests: samples.count, ttftMs: ttfts, firstRequestTtftMs: ttfts.first ?? nil,
                                  steadyTtftP50Ms: detected.steady, warmupRequests: detected.warmup, window: w.window,
                                  tolerance: w.tolerance, declaredRequests: facts.warmupRequests)
        say(.warmup, "warm after \(detected.warmup.map(String.init) ?? "?") request(s); steady TTFT p50 \(detected.steady.map { String(format: "%.1f ms", $0) } ?? "-")")
        return result
    }
}

/// Finds where a warmup ends in a sequence of TTFTs.
enum WarmupDetector {
    /// The steady state is the median of the last third of the successful TTFTs. The warmup ends at
    /// the first request `i` whose centred window (`window` requests around it) has a median within
    /// `tolerance` of the steady state, and so do the windows of the `window` requests after it: the
    /// count of requests before `i`. A centred window does not lag as a trailing one does, so a
    /// step from slow to fast after N requests is found at N. A window mostly of failed requests (nil) is never steady.
    static func detect(_ ttft: [Double?], window: Int, tolerance: Double) -> (steady: Double?, warmup: Int?) {
        let ok = ttft.compactMap { $0 }
        guard ok.count >= 3 else { return (nil, nil) }
        let steady = Descriptive.median(Array(ok.suffix(max(1, ok.count / 3))))
        let half = max(0, window / 2)
        func steadyAt(_ i: Int) -> Bool {
            let slice = ttft[max(0, i - half)...min(ttft.count - 1, i + half)]
            let values = slice.compactMap { $0 }
            guard values.count * 2 > slice.count else { return false } // mostly failures: not steady
            return abs(Descriptive.median(values) - steady) <= tolerance * steady
        }
        for i in ttft.indices where (i..<min(ttft.count, i + window)).allSatisfy(steadyAt) {
            return (steady, i)
        }
        return (steady, nil)
    }
}
