import Foundation
import TollgateCore

/// The numbers a qualification compares with, read from a pipeline's free-text facts
/// (`autoscaling.cold_start: 95s (image pull 40s, …)` → 95 s).
struct DeclaredFacts {
    let facts: [String: String]

    init(_ pipeline: Pipeline) { facts = pipeline.facts }

    /// `autoscaling.cold_start`: the first duration written (`95s`, `2m`).
    var coldStartSeconds: Double? {
        guard let text = facts["autoscaling.cold_start"] else { return nil }
        for word in Self.words(text) { if let d = DurationText.parse(word) { return DurationText.seconds(d) } }
        return nil
    }

    /// `autoscaling.warmup`, else `reliability.warmup`: the first whole number (`20 requests …`).
    var warmupRequests: Int? {
        (facts["autoscaling.warmup"].flatMap(Self.firstNumber) ?? facts["reliability.warmup"].flatMap(Self.firstNumber)).map { Int($0) }
    }

    var peakRPS: Double? { facts["objectives.load_profile.peak_rps"].flatMap(Double.init) }
    var gpuCount: Int? { facts["compute.gpu_count"].flatMap { Int($0) } }
    var perGPUHourUSD: Double? { facts["objectives.cost.per_gpu_hour_usd"].flatMap(Double.init) }
    var per1kOutputTokensUSD: Double? { facts["objectives.cost.per_1k_output_tokens_usd"].flatMap(Double.init) }
    /// `compute.throughput_per_gpu`: the first number (`2400 output tokens/s on A100` → 2400).
    var throughputPerGPU: Double? { facts["compute.throughput_per_gpu"].flatMap(Self.firstNumber) }

    /// The error classes `observability.error_classes` names.
    var errorClasses: [String] { facts["observability.error_classes"].map(Self.names) ?? [] }

    /// Metric names a fact declares (`vllm:gpu_cache_usage_perc`, `DCGM_FI_DEV_GPU_UTIL`): the words
    /// that are valid Prometheus names and contain `_` or `:`.
    static func metricNames(_ text: String) -> [String] {
        names(text).filter { name in
            (name.contains("_") || name.contains(":")) && name.first.map { $0.isLetter || $0 == "_" || $0 == ":" } == true
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
        }
    }

    /// The comma-, space- or bracket-separated words of a fact.
    static func names(_ text: String) -> [String] {
        text.split { ", []()\n\t\"'".contains($0) }.map(String.init).filter { !$0.isEmpty }
    }

    static func words(_ text: String) -> [String] {
        text.split { $0 == " " || $0 == "," || $0 == "(" || $0 == ")" }.map(String.init)
    }

    static func firstNumber(_ text: String) -> Double? {
        var digits = ""
        for c in text {
            if c.isNumber || (c == "." && !digits.isEmpty) { digits.append(c) } else if !digits.isEmpty { break }
        }
        return Double(digits)
    }
}
