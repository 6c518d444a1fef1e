import Foundation
import TollgateCore

/// What form a chat answer takes, from the request's `tools`, `tool_choice` and
/// `response_format`, the way OpenAI decides it: a call of one of the offered functions (unless
/// `tool_choice` is `none`; a named function when it names one), a JSON document when
/// `response_format` asks for `json_object` or a `json_schema`, else text.
enum AnswerShape: Sendable, Equatable {
    case text
    /// A JSON answer; with a schema, an instance of it.
    case json(schema: JSONValue?)
    /// A call of the function `name` whose arguments follow its `parameters` schema.
    case toolCall(name: String, parameters: JSONValue?)

    /// The shape a chat body asks for, or the sentence of a 400 answer when it is contradictory.
    static func of(_ body: JSONValue) -> Result<AnswerShape, SimulatedRequest.ParseFailure> {
        let tools = (body["tools"]?.arrayValue ?? []).compactMap { tool -> (String, JSONValue?)? in
            guard let function = tool["function"], let name = function["name"]?.stringValue else { return nil }
            return (name, function["parameters"])
        }
        if body["tools"] != nil, body["tools"]?.arrayValue == nil || tools.count != body["tools"]?.arrayValue?.count {
            return .failure(.init(message: "'tools' must be an array of {\"type\": \"function\", \"function\": {\"name\": ...}} objects."))
        }
        let choice = body["tool_choice"]
        if let mode = choice?.stringValue {
            guard ["none", "auto", "required"].contains(mode) else {
                return .failure(.init(message: "Invalid value for 'tool_choice': '\(mode)' is not one of 'none', 'auto', 'required' or a named function."))
            }
            if mode == "required", tools.isEmpty {
                return .failure(.init(message: "'tool_choice' is 'required' but no 'tools' were given."))
            }
        }
        if let named = choice?["function"]?["name"]?.stringValue {
            guard let tool = tools.first(where: { $0.0 == named }) else {
                return .failure(.init(message: "Invalid value for 'tool_choice': function '\(named)' is not in 'tools'."))
            }
            return .success(.toolCall(name: tool.0, parameters: tool.1))
        }
        if let first = tools.first, choice?.stringValue != "none" {
            return .success(.toolCall(name: first.0, parameters: first.1))
        }
        guard let format = body["response_format"] else { return .success(.text) }
        switch format["type"]?.stringValue {
        case "text": return .success(.text)
        case "json_object": return .success(.json(schema: nil))
        case "json_schema":
            guard let schema = format["json_schema"]?["schema"] else {
                return .failure(.init(message: "'response_format' of type 'json_schema' needs 'json_schema.schema'."))
            }
            return .success(.json(schema: schema))
        default:
            return .failure(.init(message: "Invalid value for 'response_format.type': it must be 'text', 'json_object' or 'json_schema'."))
        }
    }

    /// A value that satisfies `schema` (the subset OpenAI's structured outputs use: `type`,
    /// `properties`, `items`, `enum`, `const`), its strings filled with `text`. Without a schema:
    /// `{"answer": text}`.
    static func example(of schema: JSONValue?, text: String) -> JSONValue {
        guard let schema, schema.objectValue != nil else { return .object(["answer": .string(text)]) }
        if let constant = schema["const"] { return constant }
        if let first = schema["enum"]?.arrayValue?.first { return first }
        let type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first?.stringValue
            ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            let properties = schema["properties"]?.objectValue ?? [:]
            guard !properties.isEmpty else { return .object(["answer": .string(text)]) }
            return .object(properties.mapValues { example(of: $0, text: text) })
        case "array": return .array([example(of: schema["items"] ?? .object(["type": .string("string")]), text: text)])
        case "integer": return .integer(schema["minimum"]?.intValue ?? 1)
        case "number": return .number(1)
        case "boolean": return .bool(true)
        case "null": return .null
        default: return .string(text)
        }
    }

    /// `text` cut into pieces of about four characters (the size of a BPE token), for streaming
    /// an answer that is not words.
    static func pieces(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if current.count == 4 {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
