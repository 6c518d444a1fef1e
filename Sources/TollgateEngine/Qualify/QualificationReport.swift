public import Foundation
import TollgateCore
public import TollgateTraffic

/// What `tollgate qualify` measured of one version, step by step, and the verdict on each
/// checklist item. Stored whole (as JSON) in the run's journal as `qualify.report`.
public struct QualificationReport: Sendable, Codable, Equatable {
    public var pipeline: String
    /// `baseline` or `candidate`.
    public var arm: String
    public var version: String
    public var endpoint: String
    public var startedAt: Date
    public var elapsedSeconds: Double
    public var coldStart: ColdStartResult?
    public var warmup: WarmupResult?
    public var sweep: SweepResult?
    public var burst: BurstResult?
    public var inputVariability: InputVariabilityResult?
    public var timeouts: TimeoutAlignment?
    public var observability: ObservabilityResult?
    /// Steps not run, with the reason (skipped in the file, not in `--only`, nothing to measure with).
    public var notRun: [String: String]
    /// Error classes seen over every step, with their counts.
    public var errorClassesSeen: [String: Int]
    /// The checklist with each item's verdict.
    public var items: [ItemVerdict]

    /// Items measured and outside their objective.
    public var failures: [ItemVerdict] { items.filter { $0.verdict == .outside } }
}

/// A checklist item's verdict after a qualification.
public struct ItemVerdict: Sendable, Codable, Equatable {
    public enum Verdict: String, Sendable, Codable, CaseIterable {
        /// Measured, and within the declared objective (or no objective to break).
        case within
        /// Measured, and outside the declared objective: see `measured` and `objective`.
        case outside
        /// Declared in the pipeline, not measured by this run.
        case declaredOnly = "declared_only"
        /// Neither declared nor measured.
        case missing
    }
    public var id: String
    public var section: Int
    public var text: String
    public var required: Bool
    /// The declared value(s), one line.
    public var declared: String?
    /// The measured value, one line.
    public var measured: String?
    /// What the measurement was compared with.
    public var objective: String?
    public var verdict: Verdict
}

/// Cold start: time from start (or restart) until the first successful inference.
public struct ColdStartResult: Sendable, Codable, Equatable {
    /// `start_command` or `restart_command`.
    public var method: String
    /// Seconds of each repeat until the first successful inference.
    public var seconds: [Double]
    /// Seconds of each repeat until the readiness URL first answered 2xx (nil when it never did
    /// before the first inference succeeded).
    public var readySeconds: [Double?]
    public var medianSeconds: Double
    public var maxSeconds: Double
    /// The declared `autoscaling.cold_start`, in seconds.
    public var declaredSeconds: Double?
}

/// Warmup: sequential requests right after the cold start.
public struct WarmupResult: Sendable, Codable, Equatable {
    public var requests: Int
    /// TTFT of every request in order, milliseconds (nil for a failed one).
    public var ttftMs: [Double?]
    public var firstRequestTtftMs: Double?
    public var steadyTtftP50Ms: Double?
    /// Requests sent before the sliding-window TTFT p50 came within the tolerance of the steady
    /// state; nil when it never did.
    public var warmupRequests: Int?
    public var window: Int
    public var tolerance: Double
    /// The declared warmup request count (`autoscaling.warmup`, else `reliability.warmup`).
    public var declaredRequests: Int?
}

/// One load level of the sweep.
public struct LoadLevel: Sendable, Codable, Equatable {
    public var concurrency: Int
    public var summary: ArmSummary
    /// The objectives this level breaks (`ttft_ms.p95 912 > 800`); empty when it meets them all.
    public var breaches: [String]
    public var passes: Bool { breaches.isEmpty }
}

/// The throughput and goodput sweep.
public struct SweepResult: Sendable, Codable, Equatable {
    public var levels: [LoadLevel]
    /// The highest concurrency that met every objective (nil when even the first level broke one).
    public var qualifiedConcurrency: Int?
    public var qualifiedRequestsPerSecond: Double?
    public var qualifiedOutputTokensPerSecond: Double?
    /// The concurrency beyond which throughput stops growing: the lowest level within 20% of the
    /// highest requests/s measured (nil when that is the last level measured).
    public var kneeConcurrency: Int?
    public var gpuCount: Int?
    public var outputTokensPerSecondPerGPU: Double?
    /// From `objectives.cost.per_gpu_hour_usd` and the qualified output tokens/s.
    public var costPer1kOutputTokensUSD: Double?
}

/// Burst resilience: an open-loop burst and the recovery after it.
public struct BurstResult: Sendable, Codable, Equatable {
    public var rate: Double
    public var durationSeconds: Double
    public var summary: ArmSummary
    public var steadyTtftP50Ms: Double?
    /// Seconds from the end of the burst until three probes in a row were back at the steady state;
    /// nil when that did not happen within the recovery timeout.
    public var recoverySeconds: Double?
    /// Requests refused with 429 or 503 (the server shed load).
    public var shed: Int
    /// Requests that timed out (the server did not shed load, it let requests wait).
    public var timedOut: Int
}

/// Input variability: results by input-length bucket and for unusual inputs.
public struct InputVariabilityResult: Sendable, Codable, Equatable {
    public struct Bucket: Sendable, Codable, Equatable {
        public var inputTokens: Int
        public var requests: Int
        public var succeeded: Int
        public var ttftP50Ms: Double?
        public var errors: [String: Int]
    }
    public struct Probe: Sendable, Codable, Equatable {
        public var name: String
        public var status: Int?
        /// The error class, nil on success.
        public var errorClass: String?
        public var message: String?
        /// Succeeded, or was refused with a classified 4xx (not a 5xx, a cut stream or a timeout).
        public var handled: Bool
    }
    public var maxInputTokens: Int?
    public var buckets: [Bucket]
    /// The request just over `model.max_input_tokens` (nil without a declared limit).
    public var overLimit: Probe?
    public var unusual: [Probe]
}

/// The configured timeouts against what the measurement needed.
public struct TimeoutAlignment: Sendable, Codable, Equatable {
    public struct Check: Sendable, Codable, Equatable {
        /// `first_token`, `idle` or `total`.
        public var timeout: String
        public var configuredSeconds: Double?
        /// The measured need: p99 TTFT, the longest inter-token gap, p99 E2E.
        public var measuredSeconds: Double?
        /// `cuts healthy requests`, `looser than needed`, or nil when aligned.
        public var problem: String?
    }
    /// The load the needs were measured at (the qualified concurrency, else the synchronous baseline).
    public var atConcurrency: Int?
    public var checks: [Check]
    public var aligned: Bool { checks.allSatisfy { $0.problem == nil } }
}

/// Error classes and the declared Prometheus metrics.
public struct ObservabilityResult: Sendable, Codable, Equatable {
    public var declaredErrorClasses: [String]
    /// Classes seen that the pipeline does not declare.
    public var undeclaredSeen: [String]
    public var metricsURL: String?
    /// Declared metric names found on `/metrics`, and those not found, by checklist item id.
    public var metricsFound: [String: [String]]
    public var metricsMissing: [String: [String]]
    /// Why `/metrics` could not be read, when it could not.
    public var metricsError: String?
}
