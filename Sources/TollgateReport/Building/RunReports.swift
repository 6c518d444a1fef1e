public import Foundation
public import TollgateStore

/// Builds and renders a run's report in one call, for the CLI, the service and the demo.
public enum RunReports {
    /// The report of `runID` in `format`.
    public static func render(runID: String, store: RunStore, format: ReportFormat, now: @escaping @Sendable () -> Date = { Date() }) throws -> String {
        try format.render(ReportBuilder(store: store, now: now).build(runID: runID))
    }

    /// Writes the report of `runID` to `path` (default `RUN.ext` in the current folder) and returns the path written.
    @discardableResult
    public static func write(runID: String, store: RunStore, format: ReportFormat = .html, to path: String? = nil) throws -> String {
        let model = try ReportBuilder(store: store).build(runID: runID)
        let target = path ?? "\(model.header.runID).\(format.fileExtension)"
        try ReportFile.write(try format.render(model), to: target)
        return target
    }
}
