public import Foundation

/// A golden-fixture JSON document (shared by the statistics and judge tests) decoded with `JSONDecoder`, whose number parsing is correctly rounded
/// (JSONSerialization on Linux can round long decimals differently, which breaks exact ties).
public enum FixtureJSON: Decodable {
    case number(Double), string(String), bool(Bool), array([FixtureJSON]), object([String: FixtureJSON]), null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([FixtureJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: FixtureJSON].self)) }
    }

    /// Plain Foundation values (NSNumber for numbers), so existing dictionary helpers keep working.
    public var plain: Any {
        switch self {
        case .number(let d): return NSNumber(value: d)
        case .string(let s): return s
        case .bool(let b): return b
        case .array(let a): return a.map(\.plain)
        case .object(let o): return o.mapValues(\.plain)
        case .null: return NSNull()
        }
    }

    public static func load(_ url: URL) throws -> Any {
        try JSONDecoder().decode(FixtureJSON.self, from: Data(contentsOf: url)).plain
    }
}
