import Foundation

/// Reads the `qualify:` section of a pipeline into a ``QualifyConfig``, reporting every problem
/// at its line and column.
enum QualifyReader {
    static func read(_ m: MappingReader?) -> QualifyConfig {
        var config = QualifyConfig()
        guard let m else { return config }
        config.requestTimeout = m.duration("request_timeout") ?? config.requestTimeout
        if let c = m.mapping("cold_start") {
            config.coldStart.skip = c.bool("skip") ?? false
            config.coldStart.repeats = c.int("repeats", in: 1...100) ?? config.coldStart.repeats
            if let v = c.value("readiness"), let text = v.nonEmptyString() {
                if text.hasPrefix("/") || text.hasPrefix("http://") || text.hasPrefix("https://") {
                    config.coldStart.readiness = text
                } else {
                    c.context.report(v.mark, "'qualify.cold_start.readiness' must be a path on the endpoint's host (/health) or a full http(s) URL, got '\(text)'")
                }
            }
            config.coldStart.pollInterval = c.duration("poll_interval") ?? config.coldStart.pollInterval
            config.coldStart.timeout = c.duration("timeout") ?? config.coldStart.timeout
            config.coldStart.stopTimeout = c.duration("stop_timeout") ?? config.coldStart.stopTimeout
            c.finish(what: "'qualify.cold_start' (skip, repeats, readiness, poll_interval, timeout, stop_timeout)")
        }
        if let w = m.mapping("warmup") {
            config.warmup.skip = w.bool("skip") ?? false
            config.warmup.requests = w.int("requests", in: 4...100_000) ?? config.warmup.requests
            config.warmup.window = w.int("window", in: 1...1000) ?? config.warmup.window
            config.warmup.tolerance = w.double("tolerance", min: 0.001, max: 1) ?? config.warmup.tolerance
            config.warmup.maxTokens = w.int("max_tokens", in: 1...100_000) ?? config.warmup.maxTokens
            w.finish(what: "'qualify.warmup' (skip, requests, window, tolerance, max_tokens)")
            if config.warmup.requests < 3 * config.warmup.window, let mark = w.keyMark("window") ?? w.keyMark("requests") {
                w.context.report(mark, "'qualify.warmup.requests' (\(config.warmup.requests)) must be at least three windows (\(3 * config.warmup.window)) to find a steady state")
            }
        }
        if let s = m.mapping("sweep") {
            config.sweep.skip = s.bool("skip") ?? false
            if let items = s.sequence("concurrency") {
                let levels = items.compactMap { $0.int(in: 1...100_000) }
                if levels.count == items.count {
                    if levels.isEmpty || levels != levels.sorted() || Set(levels).count != levels.count, let mark = s.keyMark("concurrency") {
                        s.context.report(mark, "'qualify.sweep.concurrency' must list increasing levels, e.g. [1, 2, 4, 8]")
                    } else {
                        config.sweep.concurrency = levels
                    }
                }
            }
            config.sweep.requestsPerSlot = s.int("requests_per_slot", in: 1...100_000) ?? config.sweep.requestsPerSlot
            config.sweep.minRequests = s.int("min_requests", in: 1...1_000_000) ?? config.sweep.minRequests
            config.sweep.maxTokens = s.int("max_tokens", in: 1...100_000)
            s.finish(what: "'qualify.sweep' (skip, concurrency, requests_per_slot, min_requests, max_tokens)")
        }
        if let b = m.mapping("burst") {
            config.burst.skip = b.bool("skip") ?? false
            config.burst.multiplier = b.double("multiplier", min: 0.01, max: 1000) ?? config.burst.multiplier
            config.burst.rate = b.double("rate", min: 0.001)
            config.burst.duration = b.duration("duration") ?? config.burst.duration
            config.burst.baselineRequests = b.int("baseline_requests", in: 1...10_000) ?? config.burst.baselineRequests
            config.burst.recoveryTolerance = b.double("recovery_tolerance", min: 0, max: 100) ?? config.burst.recoveryTolerance
            config.burst.recoveryTimeout = b.duration("recovery_timeout") ?? config.burst.recoveryTimeout
            config.burst.maxTokens = b.int("max_tokens", in: 1...100_000)
            b.finish(what: "'qualify.burst' (skip, multiplier, rate, duration, baseline_requests, recovery_tolerance, recovery_timeout, max_tokens)")
        }
        if let i = m.mapping("input_variability") {
            config.inputVariability.skip = i.bool("skip") ?? false
            if let items = i.sequence("fractions") {
                let fractions = items.compactMap { $0.double(min: 0.0001, max: 1) }
                if fractions.count == items.count, !fractions.isEmpty { config.inputVariability.fractions = fractions }
            }
            config.inputVariability.requestsPerBucket = i.int("requests_per_bucket", in: 1...1000) ?? config.inputVariability.requestsPerBucket
            config.inputVariability.maxTokens = i.int("max_tokens", in: 1...100_000) ?? config.inputVariability.maxTokens
            i.finish(what: "'qualify.input_variability' (skip, fractions, requests_per_bucket, max_tokens)")
        }
        if let t = m.mapping("timeouts") {
            config.timeouts.skip = t.bool("skip") ?? false
            config.timeouts.looseFactor = t.double("loose_factor", min: 1.01) ?? config.timeouts.looseFactor
            t.finish(what: "'qualify.timeouts' (skip, loose_factor)")
        }
        if let o = m.mapping("observability") {
            config.observability.skip = o.bool("skip") ?? false
            config.observability.metricsURL = CommonChecks.endpoint(o.value("metrics_url"))
            o.finish(what: "'qualify.observability' (skip, metrics_url)")
        }
        m.finish(what: "'qualify' (request_timeout, cold_start, warmup, sweep, burst, input_variability, timeouts, observability)")
        return config
    }
}
