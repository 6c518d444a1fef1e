import Foundation
public import TollgateCore
import TollgateTraffic

/// One case of an eval suite: the request to send, what a good answer looks like, and tags for the
/// per-tag breakdown. Read from a JSON Lines file by ``EvalCaseReader``.
public struct EvalCase: Sendable, Equatable {
    public var id: String
    /// The request body without `model` (messages or prompt, plus any extra members such as `tools`).
    public var body: JSONValue
    /// The expected answer, when the case has one (`equals`, `similarity`, `numeric` use it).
    public var expected: String?
    /// Expected values of fields of a JSON answer: each must be present with this value
    /// (`json_valid` and `json_schema` check them).
    public var fields: [String: JSONValue]
    public var tags: [String]

    public init(id: String, body: JSONValue, expected: String? = nil, fields: [String: JSONValue] = [:], tags: [String] = []) {
        self.id = id
        self.body = body
        self.expected = expected
        self.fields = fields
        self.tags = tags
    }

    /// The prompt as plain text (the last user message, or `prompt`), for judges and detectors.
    public var promptText: String {
        if let prompt = body["prompt"]?.stringValue { return prompt }
        guard let messages = body["messages"]?.arrayValue else { return "" }
        for message in messages.reversed() where message["role"]?.stringValue == "user" {
            if let text = message["content"]?.stringValue { return text }
        }
        return messages.last?["content"]?.stringValue ?? ""
    }

    /// Whether the request offers tools, so the answer may be a tool call.
    public var offersTools: Bool { body["tools"]?.arrayValue?.isEmpty == false }
}

/// Reads an eval suite's cases file: one JSON object a line with `id`, `messages` (chat) or
/// `prompt` (completions), optional `expected`, `fields`, `tags` and `request` (extra request members).
public enum EvalCaseReader {
    /// Reads every case; a bad line, a duplicate id or an empty file is an ``EvalError``.
    public static func read(path: String) throws(EvalError) -> [EvalCase] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .casesUnreadable(path: path, reason: "it cannot be read (\(error.localizedDescription)).")
        }
        let text = String(decoding: data, as: UTF8.self)
        var cases: [EvalCase] = []
        var seen: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parsed = try parse(line, path: path, line: index + 1)
            guard seen.insert(parsed.id).inserted else {
                throw .badCase(path: path, line: index + 1, reason: "the id '\(parsed.id)' is used by an earlier case; give each case its own id.")
            }
            cases.append(parsed)
        }
        if cases.isEmpty { throw .casesUnreadable(path: path, reason: "it holds no case; add one JSON object per line.") }
        return cases
    }

    /// Parses one line.
    public static func parse(_ line: String, path: String, line number: Int) throws(EvalError) -> EvalCase {
        guard let value = JSONValue.parse(Data(line.utf8)), let object = value.objectValue else {
            throw .badCase(path: path, line: number, reason: "the line is not a JSON object.")
        }
        let known: Set<String> = ["id", "messages", "prompt", "expected", "fields", "tags", "request"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .badCase(path: path, line: number, reason: "unknown key '\(unknown)'; a case has \(known.sorted().joined(separator: ", ")).")
        }
        guard let id = object["id"]?.stringValue ?? object["id"]?.intValue.map(String.init), !id.isEmpty else {
            throw .badCase(path: path, line: number, reason: "the case has no 'id' (a string).")
        }
        var body: [String: JSONValue] = [:]
        if let extra = object["request"] {
            guard let members = extra.objectValue else {
                throw .badCase(path: path, line: number, reason: "'request' must be an object of request members (tools, response_format, max_tokens…).")
            }
            body = members
        }
        switch (object["messages"], object["prompt"]) {
        case (let messages?, nil):
            guard let list = messages.arrayValue, !list.isEmpty,
                  list.allSatisfy({ $0["role"]?.stringValue != nil }) else {
                throw .badCase(path: path, line: number, reason: "'messages' must be a non-empty list of {role, content} objects.")
            }
            body["messages"] = messages
        case (nil, let prompt?):
            guard prompt.stringValue != nil else {
                throw .badCase(path: path, line: number, reason: "'prompt' must be a string.")
            }
            body["prompt"] = prompt
        case (nil, nil):
            throw .badCase(path: path, line: number, reason: "the case needs 'messages' (chat) or 'prompt' (completions).")
        default:
            throw .badCase(path: path, line: number, reason: "give 'messages' or 'prompt', not both.")
        }
        var expected: String?
        if let e = object["expected"] {
            switch e {
            case .string(let s): expected = s
            case .integer, .number, .object, .array, .bool: expected = e.jsonText
            case .null: expected = nil
            }
        }
        var fields: [String: JSONValue] = [:]
        if let f = object["fields"] {
            guard let members = f.objectValue else {
                throw .badCase(path: path, line: number, reason: "'fields' must be an object of expected JSON answer fields.")
            }
            fields = members
        }
        var tags: [String] = []
        if let t = object["tags"] {
            guard let list = t.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw .badCase(path: path, line: number, reason: "'tags' must be a list of strings.")
            }
            tags = list.compactMap(\.stringValue)
        }
        return EvalCase(id: id, body: .object(body), expected: expected, fields: fields, tags: tags)
    }
}
