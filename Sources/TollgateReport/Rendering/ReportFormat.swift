import Foundation
import TollgateCore

/// The formats `tollgate report` writes, and where a report goes.
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    case html, markdown, json

    /// The file extension of the default output file.
    public var fileExtension: String {
        switch self {
        case .html: return "html"
        case .markdown: return "md"
        case .json: return "json"
        }
    }

    /// The report of `model` in this format.
    public func render(_ model: RunReportModel) throws -> String {
        switch self {
        case .html: return HTMLReportRenderer().render(model)
        case .markdown: return MarkdownReportRenderer().render(model)
        case .json:
            return try JSONOutput.text(model) + "\n"
        }
    }
}

/// Writes reports to files readable by their owner only (mode 0600): a report holds answers
/// and prompts that the pipeline's logging policy allowed to be stored.
public enum ReportFile {
    /// Writes `text` to `path` (replacing it) with mode 0600 from the first byte.
    public static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(at: temporary, to: url)
    }
}
