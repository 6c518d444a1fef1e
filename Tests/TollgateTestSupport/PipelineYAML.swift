public import Foundation

/// A pipeline file for tests, built from typed parts instead of a YAML literal copied into each test
/// file: the sections every test pipeline has get defaults (two versions on an unreachable loopback
/// port, one recorded request, an error-rate metric), and a test sets what it is about.
///
/// Block sections (`stages`, `analysis`, `extra`) are YAML lines as they stand under their key,
/// indented by two spaces; `extra` is appended at the top level (rollback rules, security, notify…).
public struct PipelineYAML: Sendable {
    /// One model version: `{ version, endpoint, api_key_env }`.
    public struct Version: Sendable {
        public var version: String
        public var endpoint: String
        public var apiKeyEnv: String?

        public init(version: String, endpoint: String = "http://127.0.0.1:9/v1", apiKeyEnv: String? = nil) {
            self.version = version
            self.endpoint = endpoint
            self.apiKeyEnv = apiKeyEnv
        }

        var flow: String {
            "{ version: \"\(version)\", endpoint: \"\(endpoint)\"\(apiKeyEnv.map { ", api_key_env: \($0)" } ?? "") }"
        }
    }

    public var name: String
    /// The model's name (the lease's target); `NAME-model` unless set.
    public var model: String?
    public var baseline = Version(version: "1.0")
    public var candidate = Version(version: "1.1")
    /// The `traffic` mapping's inner text, e.g. `source: traffic.jsonl` (a path relative to the file).
    public var traffic = "source: traffic.jsonl"
    /// The `router` mapping's inner text, e.g. `type: command, command: "echo {weight}"`; none when nil.
    public var router: String?
    /// The `objectives` block; none when nil.
    public var objectives: String?
    /// The `analysis` block; none when nil (the pipeline's defaults).
    public var analysis: String? = """
      metrics:
        - { metric: error_rate, tolerance: 1pp }
    """
    public var stages = """
      - canary: { weight: 10, min_samples: 100, max_duration: 5m }
      - full: {}
    """
    public var extra = ""

    public init(name: String, model: String? = nil) {
        self.name = name
        self.model = model
    }

    /// A pipeline with one 5 % canary and no metrics of its own, whose rollback rules are
    /// `rollbackOn` (lines under `rollback.on:`): the shape of runs that alerts act on.
    public static func alertable(name: String, model: String, rollbackOn: String? = nil) -> PipelineYAML {
        var yaml = PipelineYAML(name: name, model: model)
        yaml.baseline = Version(version: "1")
        yaml.candidate = Version(version: "2")
        yaml.analysis = nil
        yaml.stages = """
          - canary: { weight: 5 }
          - full: {}
        """
        if let rollbackOn { yaml.extra = "rollback:\n  on:\n" + rollbackOn }
        return yaml
    }

    /// The file's text.
    public var text: String {
        var lines = [
            "version: 1",
            "kind: pipeline",
            "name: \(name)",
            "model:",
            "  name: \(model ?? "\(name)-model")",
            "  baseline:  \(baseline.flow)",
            "  candidate: \(candidate.flow)",
            "traffic: { \(traffic) }",
        ]
        if let router { lines.append("router: { \(router) }") }
        if let objectives { lines += ["objectives:", objectives] }
        if let analysis { lines += ["analysis:", analysis] }
        lines += ["stages:", stages]
        if !extra.isEmpty { lines.append(extra) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the pipeline as `pipeline.yaml` in `folder`, with a one-request `traffic.jsonl`
    /// beside it unless that file exists, and returns the pipeline's path.
    @discardableResult
    public func write(in folder: URL, fileName: String = "pipeline.yaml") throws -> String {
        let traffic = folder.appendingPathComponent("traffic.jsonl")
        if !FileManager.default.fileExists(atPath: traffic.path) {
            try #"{"messages":[{"role":"user","content":"hi"}]}"#.write(to: traffic, atomically: true, encoding: .utf8)
        }
        let path = folder.appendingPathComponent(fileName).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
