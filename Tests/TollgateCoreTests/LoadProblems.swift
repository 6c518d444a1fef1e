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
