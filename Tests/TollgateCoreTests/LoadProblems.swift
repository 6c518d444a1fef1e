import TollgateCore

/// The diagnostics (`path:line:column: message`) of loading `text` as a pipeline; empty when it loads.
func pipelineProblems(_ text: String, path: String = "p.yaml") -> [String] {
    do {
        _ = try DocumentLoader.loadPipeline(text: text, path: path, checkFiles: false)
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

/// The first eight lines of the small pipelines the loading tests read (a model with two versions on an
/// unreachable port, and `traffic`), so the lines a test adds after them keep their numbers.
func pipelineHead(traffic: String = "via: live") -> String {
    """
    version: 1
    kind: pipeline
    name: n
    model:
      name: m
      baseline:  { version: "1", endpoint: "http://127.0.0.1:9/v1" }
      candidate: { version: "2", endpoint: "http://127.0.0.1:9/v1" }
    traffic: { \(traffic) }
    """
}
