import Foundation
public import TollgateCore
import TollgateTraffic

/// A validator for the subset of JSON Schema (draft 2020-12 vocabulary) that eval suites use:
/// `type` (a name or a list; `integer` accepts whole numbers), `properties`, `required`, `enum`,
/// `const`, `items` (one schema for every element), `minItems`/`maxItems`, `minimum`/`maximum`,
/// `exclusiveMinimum`/`exclusiveMaximum`, `minLength`/`maxLength` (in characters), `pattern`
/// (NSRegularExpression, unanchored as the spec says) and `additionalProperties` (a boolean or a
/// schema). Any other keyword is refused when the schema is built, so a suite never silently
/// relies on a check that is not made.
public struct JSONSchemaSubset: Sendable {
    public static let supportedKeywords: Set<String> = [
        "type", "properties", "required", "enum", "const", "items", "minItems", "maxItems", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "additionalProperties",
        "title", "description", "$schema",
    ]

    public let schema: JSONValue

    /// Checks that `schema` only uses supported keywords and well-formed values.
    public init(_ schema: JSONValue) throws(EvalError) {
        try Self.check(schema, at: "schema")
        self.schema = schema
    }

    /// The violations of `value` against the schema, each a sentence with its JSON path; empty when valid.
    public func violations(of value: JSONValue) -> [String] {
        var out: [String] = []
        Self.validate(value, against: schema, path: "$", into: &out)
        return out
    }

    private static func check(_ schema: JSONValue, at path: String) throws(EvalError) {
        if case .bool = schema { return }
        guard let object = schema.objectValue else {
            throw .badScorer(name: path, reason: "a JSON schema must be an object (or true/false).")
        }
        for key in object.keys.sorted() where !supportedKeywords.contains(key) {
            throw .badScorer(name: path, reason: "the keyword '\(key)' is outside the supported JSON Schema subset (\(supportedKeywords.sorted().joined(separator: ", "))).")
        }
        if let props = object["properties"] {
            guard let members = props.objectValue else { throw .badScorer(name: path, reason: "'properties' must be an object.") }
            for (k, v) in members { try check(v, at: "\(path).properties.\(k)") }
        }
        if let items = object["items"] { try check(items, at: "\(path).items") }
        if let extra = object["additionalProperties"], extra.boolValue == nil { try check(extra, at: "\(path).additionalProperties") }
        if let p = object["pattern"]?.stringValue, (try? NSRegularExpression(pattern: p)) == nil {
            throw .badScorer(name: path, reason: "'pattern' \(p) is not a valid regular expression.")
        }
        if let t = object["type"] {
            let names = t.stringValue.map { [$0] } ?? t.arrayValue?.compactMap(\.stringValue) ?? []
            let known: Set<String> = ["object", "array", "string", "number", "integer", "boolean", "null"]
            if names.isEmpty || names.contains(where: { !known.contains($0) }) {
                throw .badScorer(name: path, reason: "'type' must be one of \(known.sorted().joined(separator: ", ")) or a list of them.")
            }
        }
    }

    private static func typeName(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number(let d): return d == d.rounded() ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private static func validate(_ value: JSONValue, against schema: JSONValue, path: String, into out: inout [String]) {
        if let b = schema.boolValue {
            if !b { out.append("\(path): no value is allowed here.") }
            return
        }
        guard let s = schema.objectValue else { return }
        let actual = typeName(value)
        if let t = s["type"] {
            let names = t.stringValue.map { [$0] } ?? t.arrayValue?.compactMap(\.stringValue) ?? []
            let ok = names.contains(actual) || (actual == "integer" && names.contains("number"))
            if !ok {
                out.append("\(path): expected \(names.joined(separator: " or ")), found \(actual).")
                return
            }
        }
        if let options = s["enum"]?.arrayValue, !options.contains(where: { equal($0, value) }) {
            out.append("\(path): \(value.jsonText) is not one of \(options.map(\.jsonText).joined(separator: ", ")).")
        }
        if let c = s["const"], !equal(c, value) { out.append("\(path): expected \(c.jsonText), found \(value.jsonText).") }
        if let x = value.doubleValue {
            if let m = s["minimum"]?.doubleValue, x < m { out.append("\(path): \(x) is below the minimum \(m).") }
            if let m = s["maximum"]?.doubleValue, x > m { out.append("\(path): \(x) is above the maximum \(m).") }
            if let m = s["exclusiveMinimum"]?.doubleValue, x <= m { out.append("\(path): \(x) is not above \(m).") }
            if let m = s["exclusiveMaximum"]?.doubleValue, x >= m { out.append("\(path): \(x) is not below \(m).") }
        }
        if let text = value.stringValue {
            if let m = s["minLength"]?.intValue, text.count < m { out.append("\(path): shorter than \(m) characters.") }
            if let m = s["maxLength"]?.intValue, text.count > m { out.append("\(path): longer than \(m) characters.") }
            if let p = s["pattern"]?.stringValue, let regex = try? NSRegularExpression(pattern: p),
               regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                out.append("\(path): '\(text)' does not match the pattern \(p).")
            }
        }
        if let items = value.arrayValue {
            if let m = s["minItems"]?.intValue, items.count < m { out.append("\(path): fewer than \(m) items.") }
            if let m = s["maxItems"]?.intValue, items.count > m { out.append("\(path): more than \(m) items.") }
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() { validate(item, against: itemSchema, path: "\(path)[\(i)]", into: &out) }
            }
        }
        if let members = value.objectValue {
            for name in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                out.append("\(path): the required field '\(name)' is missing.")
            }
            let properties = s["properties"]?.objectValue ?? [:]
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let sub = properties[name] {
                    validate(member, against: sub, path: "\(path).\(name)", into: &out)
                } else if let extra = s["additionalProperties"] {
                    if extra.boolValue == false { out.append("\(path): the field '\(name)' is not allowed.") }
                    else if extra.boolValue == nil { validate(member, against: extra, path: "\(path).\(name)", into: &out) }
                }
            }
        }
    }

    /// JSON equality where 1 and 1.0 are the same number.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }
}
