/// The GenAI deployment checklist (v0.1, eight sections) and where a pipeline file declares
/// each item. `tollgate checklist` reports each item as declared (with its value) or missing.
public enum Checklist {
    /// One checklist item and the pipeline keys that declare it: any one of them suffices,
    /// unless `needsAll` says every key must be present.
    public struct Item: Sendable, Equatable {
        /// Stable id used in `checklist.required` (e.g. `model.identity`).
        public let id: String
        public let text: String
        public let keys: [String]
        public let needsAll: Bool

        init(id: String, text: String, keys: [String], needsAll: Bool = false) {
            self.id = id
            self.text = text
            self.keys = keys
            self.needsAll = needsAll
        }
    }

    /// One of the eight sections.
    public struct Section: Sendable, Equatable {
        public let number: Int
        public let title: String
        public let items: [Item]
    }

    public static let sections: [Section] = [
        Section(number: 1, title: "Model Identity", items: [
            Item(id: "model.identity", text: "Model name, version, and revision", keys: ["model.name", "model.candidate.version", "model.candidate.revision"], needsAll: true),
            Item(id: "model.lineage", text: "Fine-tune lineage or variant", keys: ["model.candidate.lineage"]),
            Item(id: "model.modalities", text: "Supported modalities (text, image, audio, multimodal)", keys: ["model.modalities"]),
            Item(id: "model.max_input_tokens", text: "Maximum input size or token/window constraints", keys: ["model.max_input_tokens"]),
            Item(id: "model.hardware_tested", text: "Compatible GPU types and precision modes tested", keys: ["model.gpu_types_tested", "model.precisions_tested"]),
        ]),
        Section(number: 2, title: "Compute & GPU Planning", items: [
            Item(id: "compute.peak_memory", text: "Peak memory usage at expected input sizes", keys: ["compute.peak_memory_gb", "compute.peak_memory"]),
            Item(id: "compute.batch_sizes", text: "Optimal batch size ranges", keys: ["compute.batch_sizes"]),
            Item(id: "compute.throughput", text: "Throughput-per-dollar or throughput-per-GPU analysis", keys: ["compute.throughput_per_gpu", "compute.throughput_per_dollar"]),
            Item(id: "compute.instance_types", text: "Node affinity or required instance types", keys: ["compute.instance_types", "compute.node_affinity"]),
            Item(id: "compute.parallelism", text: "Multi-GPU, tensor parallel, or pipeline parallel requirements", keys: ["compute.parallelism", "compute.gpu_count"]),
            Item(id: "compute.quantization", text: "Required quantization formats", keys: ["compute.quantization"]),
        ]),
        Section(number: 3, title: "Performance Objectives", items: [
            Item(id: "objectives.latency", text: "Target latency (p50 and p95) for each operation (prefill, decode, embedding call)",
                 keys: ["objectives.ttft_ms", "objectives.itl_ms", "objectives.tpot_ms", "objectives.e2e_ms", "objectives.embedding_ms"]),
            Item(id: "objectives.throughput", text: "Expected throughput (tokens/sec, queries/sec)", keys: ["objectives.throughput"]),
            Item(id: "objectives.load_profile", text: "Defined load profile assumptions (peak vs steady-state)", keys: ["objectives.load_profile"]),
            Item(id: "objectives.cost", text: "Cost targets per inference or per output unit", keys: ["objectives.cost"]),
        ]),
        Section(number: 4, title: "Routing & Release Strategy", items: [
            Item(id: "release.canary", text: "Canary or weighted rollout plan", keys: ["stages"]),
            Item(id: "release.shadow", text: "Shadow evaluation pipeline", keys: ["release.shadow_suites", "analysis.metrics"]),
            Item(id: "release.rollback", text: "Rollback criteria", keys: ["rollback.on"]),
            Item(id: "release.drift", text: "Drift detection or evaluation suite alignment", keys: ["release.drift_suites"]),
            Item(id: "release.compatibility", text: "Compatibility testing across model versions", keys: ["release.compatibility"]),
        ]),
        Section(number: 5, title: "Autoscaling Requirements", items: [
            Item(id: "autoscaling.cold_start", text: "Cold start time measured and documented", keys: ["autoscaling.cold_start"]),
            Item(id: "autoscaling.warmup", text: "Warmup requirements (e.g., KV cache priming)", keys: ["autoscaling.warmup"]),
            Item(id: "autoscaling.batch_window", text: "Batch window considerations", keys: ["autoscaling.batch_window"]),
            Item(id: "autoscaling.strategy", text: "Predictive vs reactive scaling strategy defined", keys: ["autoscaling.strategy"]),
            Item(id: "autoscaling.peak_vs_steady", text: "Peak vs steady-state traffic expectations documented", keys: ["autoscaling.peak_vs_steady"]),
        ]),
        Section(number: 6, title: "Observability", items: [
            Item(id: "observability.latency_decomposition", text: "Latency decomposition (prefill vs decode; embedding latency)", keys: ["observability.latency_decomposition"]),
            Item(id: "observability.gpu", text: "GPU utilization and memory fragmentation", keys: ["observability.gpu_metrics"]),
            Item(id: "observability.cache", text: "Cache-related metrics (KV cache, attention state)", keys: ["observability.cache_metrics"]),
            Item(id: "observability.error_classes", text: "Error classes: OOM, shape mismatch, tokenizer/model config mismatch, load failures", keys: ["observability.error_classes"]),
            Item(id: "observability.throughput", text: "Throughput monitoring (tokens/sec, queries/sec)", keys: ["observability.throughput_metrics"]),
        ]),
        Section(number: 7, title: "Reliability", items: [
            Item(id: "reliability.warmup", text: "Warmup behavior documented", keys: ["reliability.warmup"]),
            Item(id: "reliability.retries", text: "Retries and backpressure strategy defined", keys: ["reliability.retries", "reliability.backpressure"]),
            Item(id: "reliability.timeouts", text: "Timeout logic aligned with model behavior", keys: ["reliability.timeouts"]),
            Item(id: "reliability.input_variability", text: "Handling of input shape or prompt variability", keys: ["reliability.input_variability"]),
            Item(id: "reliability.burst_test", text: "Resilience testing for peak loads and traffic bursts", keys: ["reliability.burst_test"]),
        ]),
        Section(number: 8, title: "Security & Compliance", items: [
            Item(id: "security.input_sanitization", text: "Input sanitization policies", keys: ["security.input_sanitization"]),
            Item(id: "security.logging", text: "Logging mode (PII, redaction, and retention)", keys: ["security.logging"]),
            Item(id: "security.access_control", text: "Access control and keys management", keys: ["security.access_control", "security.key_management"]),
            Item(id: "security.safety", text: "Model behavior or safety constraints documented", keys: ["security.safety_constraints"]),
            Item(id: "security.data_governance", text: "Data governance", keys: ["security.data_governance"]),
        ]),
    ]

    /// The item with this id, if any.
    public static func item(id: String) -> Item? {
        sections.lazy.flatMap(\.items).first { $0.id == id }
    }

    /// One item's status in a pipeline.
    public struct ItemStatus: Sendable, Equatable, Codable {
        public let id: String
        public let text: String
        public let declared: Bool
        /// Declared values by key (`model.candidate.revision: 9ab1d00`).
        public let values: [String: String]
        public let required: Bool
    }

    /// One section's items in a pipeline.
    public struct SectionStatus: Sendable, Equatable, Codable {
        public let number: Int
        public let title: String
        public let items: [ItemStatus]
    }

    /// What `pipeline` declares of each item.
    public static func report(for pipeline: Pipeline) -> [SectionStatus] {
        let required = Set(pipeline.requiredChecklistItems)
        return sections.map { section in
            SectionStatus(number: section.number, title: section.title, items: section.items.map { item in
                var values: [String: String] = [:]
                for key in item.keys { if let v = pipeline.facts[key], !v.isEmpty { values[key] = v } }
                let declared = item.needsAll ? values.count == item.keys.count : !values.isEmpty
                return ItemStatus(id: item.id, text: item.text, declared: declared, values: values, required: required.contains(item.id))
            })
        }
    }
}
