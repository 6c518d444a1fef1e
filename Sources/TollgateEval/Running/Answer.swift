import Foundation
public import TollgateCore
import TollgateTraffic

/// A tool call in an answer: the function's name and its arguments as JSON text.
public struct ToolCall: Sendable, Equatable, Codable {
    public var name: String
    public var arguments: String

    public init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }

    /// The tool calls of a chat completion's first choice.
    static func parse(_ body: JSONValue) -> [ToolCall] {
        guard let calls = body["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue else { return [] }
        return calls.compactMap { call in
            guard let f = call["function"], let name = f["name"]?.stringValue else { return nil }
            return ToolCall(name: name, arguments: f["arguments"]?.stringValue ?? f["arguments"]?.jsonText ?? "")
        }
    }
}

/// One arm's answer to one case in one repetition: the measured sample and its tool calls.
public struct CaseAnswer: Sendable, Equatable {
    public var caseID: String
    public var arm: Arm
    public var repetition: Int
    public var sample: Sample
    public var toolCalls: [ToolCall]
}
