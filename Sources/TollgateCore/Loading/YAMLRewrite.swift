import Foundation
import Yams

/// Rewrites a YAML document as a tree, never as text: addresses in its scalar values are replaced
/// and fields are set by their key path, so a rewrite cannot touch a comment, a key or a value that
/// merely looks like the pattern. The demo and the tests point a shipped pipeline at the servers
/// they started with it; the result is a complete file (a run stores it as its snapshot).
public enum YAMLRewrite {
    /// Why a document could not be rewritten.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `text` with every scalar that is one of `addresses`' keys, or starts with one followed by
    /// `/` (a path under that address), using the new address instead; and each `fields` key path
    /// (`["traffic", "source"]`) set to its value, creating mappings on the way. Comments are not kept.
    public static func rewriting(_ text: String, addresses: [String: String], fields: [[String]: String] = [:]) throws -> String {
        let parsed: Node?
        do { parsed = try Yams.compose(yaml: text) } catch {
            throw Failure(description: "the YAML cannot be parsed: \(error)")
        }
        guard var root = parsed else { throw Failure(description: "the document is empty") }
        root = replacing(addresses, in: root)
        for (path, value) in fields.sorted(by: { $0.key.joined(separator: ".") < $1.key.joined(separator: ".") }) {
            root = try setting(path[...], to: value, in: root)
        }
        return try Yams.serialize(node: root)
    }

    static func replacing(_ addresses: [String: String], in node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            for (old, new) in addresses where scalar.string == old || scalar.string.hasPrefix(old + "/") {
                scalar.string = new + scalar.string.dropFirst(old.count)
                break
            }
            return .scalar(scalar)
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { ($0.key, replacing(addresses, in: $0.value)) }, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map { replacing(addresses, in: $0) }, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    static func setting(_ path: ArraySlice<String>, to value: String, in node: Node) throws -> Node {
        guard let key = path.first else { return Node(value) }
        guard var mapping = node.mapping else {
            throw Failure(description: "cannot set \(path.joined(separator: ".")): the value above it is not a mapping")
        }
        let child = mapping[key] ?? Node([(Node, Node)]())
        mapping[key] = try setting(path.dropFirst(), to: value, in: child)
        return .mapping(mapping)
    }
}
