import Foundation

/// Whether the candidate can replace the baseline without breaking callers: JSON answers keep their
/// fields and types, tool calls keep their format, finish reasons keep their distribution, and the
/// candidate accepts inputs as long as the pipeline promises.
public struct CompatibilityReport: Sendable, Equatable, Codable {
    public var checks: [CompatibilityCheck]

    /// True when no check failed (skipped checks do not count).
    public var compatible: Bool { !checks.contains { $0.status == .fail } }
}

/// One compatibility check's outcome.
public struct CompatibilityCheck: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case pass, fail, skipped }
    /// `json_fields`, `tool_calls`, `finish_reasons` or `max_input_tokens`.
    public var name: String
    public var status: Status
    public var detail: String
    /// What broke, one sentence per case or probe (at most 20).
    public var problems: [String]

    public init(name: String, status: Status, detail: String, problems: [String] = []) {
        self.name = name
        self.status = status
        self.detail = detail
        self.problems = Array(problems.prefix(20))
    }
}
