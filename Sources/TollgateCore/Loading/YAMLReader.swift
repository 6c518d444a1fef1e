import Foundation
import Yams

/// Collects the diagnostics of one file while it is read, and knows where the file is so
/// that paths inside it resolve relative to it.
final class LoadContext {
    let file: String
    let baseDirectory: URL
    /// Whether files the document names must exist (not for a stored snapshot, whose files may
    /// have moved since the run started).
    let checksReferencedFiles: Bool
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, checksReferencedFiles: Bool = true) {
        self.file = file
        self.checksReferencedFiles = checksReferencedFiles
        baseDirectory = URL(fileURLWithPath: file).deletingLastPathComponent()
    }

    /// The diagnostics in file order (line, then column), without repeats.
    var sortedDiagnostics: [Diagnostic] {
        var seen = Set<Diagnostic>()
        return diagnostics.filter { seen.insert($0).inserted }.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    func report(_ mark: Mark?, _ message: String) {
        report(line: mark?.line ?? 1, column: mark?.column ?? 1, message)
    }

    func report(line: Int, column: Int, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: line, column: column, message: message))
    }

    /// Resolves `path` relative to the file's folder (absolute paths stay as they are).
    func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
    }

    /// How many nodes aliases may add to a document beyond its own size.
    static let aliasExpansionAllowance = 10_000

    /// Walks `node` as readers will (aliases expanded), stopping after `limit` nodes: `nil` when
    /// the tree is within the limit, else where the walk was when it passed it (a mark in the file).
    static func expansionOverflow(of node: Node, limit: Int) -> Mark? {
        var stack = [node]
        var count = 0
        while let next = stack.popLast() {
            count += 1
            if count > limit { return next.mark }
            switch next {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    stack.append(key)
                    stack.append(value)
                }
            case .sequence(let sequence): stack.append(contentsOf: sequence)
            case .scalar, .alias: break
            }
        }
        return nil
    }

    /// A libyaml error with its context, and where to report it. An unclosed construct is
    /// reported where it starts (libyaml notices it where it gives up, often the end of the file):
    /// "the flow sequence that starts at 4:8 is not closed (noticed at 10:1: did not find expected
    /// ',' or ']')"; anything else where libyaml noticed it, naming the construct it was in.
    static func describe(context: String, at start: Mark, problem: String, noticedAt: Mark) -> (Mark, String) {
        var noun = context
        for prefix in ["while parsing ", "while scanning ", "while composing "] where noun.hasPrefix(prefix) {
            noun.removeFirst(prefix.count)
        }
        for article in ["a ", "an ", "the "] where noun.hasPrefix(article) {
            noun.removeFirst(article.count)
        }
        let unclosed = ["did not find expected ',' or ']'", "did not find expected ',' or '}'",
                        "found unexpected end of stream"].contains { problem.contains($0) }
        if unclosed {
            return (start, "the \(noun) that starts at \(start.line):\(start.column) is not closed (noticed at \(noticedAt.line):\(noticedAt.column): \(problem))")
        }
        return (noticedAt, "\(problem), in the \(noun) that starts at \(start.line):\(start.column)")
    }

    /// Parses `text` into a node tree, turning libyaml's errors into diagnostics.
    func compose(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else { return nil }
            // Aliases are expanded by reading: a few hundred bytes of nested aliases ("billion
            // laughs") would take minutes and gigabytes. A document of N bytes has fewer than N
            // nodes of its own; aliases may add `aliasExpansionAllowance` more, and no more.
            if let at = Self.expansionOverflow(of: node, limit: text.utf8.count + Self.aliasExpansionAllowance) {
                report(at, "the document expands to more than \(text.utf8.count + Self.aliasExpansionAllowance) nodes through its aliases (nested aliases, an \"alias bomb\"?); it is refused")
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _),
                 .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                if let context {
                    let (at, message) = Self.describe(context: context.text, at: context.mark, problem: problem, noticedAt: mark)
                    report(at, "invalid YAML: \(message)")
                } else {
                    report(mark, "invalid YAML: \(problem)")
                }
            case .duplicatedKeysInMapping(let duplicates, let context):
                // libyaml marks the first occurrence; point at the repeat when it is a block key.
                let first = context.mark
                let key = duplicates.first ?? ""
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                let indent = String(repeating: " ", count: max(0, first.column - 1))
                let repeatLine = lines.indices.first { $0 >= first.line && lines[$0].hasPrefix(indent + key + ":") }
                report(line: repeatLine.map { $0 + 1 } ?? first.line, column: first.column, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) (first written at line \(first.line))")
            case .reader(let problem, _, _, _):
                report(nil, "cannot read the file as YAML: \(problem)")
            default:
                report(nil, "invalid YAML: \(error)")
            }
            return nil
        } catch {
            report(nil, "invalid YAML: \(error)")
            return nil
        }
    }
}

/// A YAML node with the dotted path that leads to it (`stages[2].canary.weight`), read
/// with type checks that report a located diagnostic instead of failing.
struct YAMLValue {
    let node: Node
    let path: String
    let context: LoadContext

    var mark: Mark? { node.mark }
    /// The last component of the path, for messages (`weight`).
    var name: String { path.split(separator: ".").last.map(String.init) ?? path }

    private func wrong(_ expected: String) {
        context.report(mark, "'\(path)' must be \(expected), got \(describe())")
    }

    func describe() -> String {
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "an empty value" : "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    var isNull: Bool {
        if case .scalar(let s) = node { return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string) }
        return false
    }

    func string() -> String? {
        guard case .scalar(let s) = node, !isNull else { wrong("a string"); return nil }
        return s.string
    }

    /// A non-empty string.
    func nonEmptyString() -> String? {
        guard let s = string() else { return nil }
        if s.trimmingCharacters(in: .whitespaces).isEmpty { context.report(mark, "'\(path)' must not be empty"); return nil }
        return s
    }

    func int(in range: ClosedRange<Int>? = nil) -> Int? {
        guard case .scalar(let s) = node, s.style == .plain, let value = Int(s.string) else { wrong("an integer"); return nil }
        if let range, !range.contains(value) {
            context.report(mark, "'\(path)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    func double(min: Double? = nil, max: Double? = nil) -> Double? {
        guard case .scalar(let s) = node, s.style == .plain, let value = Double(s.string), value.isFinite else {
            wrong("a number"); return nil
        }
        if let min, value < min { context.report(mark, "'\(path)' must be at least \(Self.format(min)), got \(s.string)"); return nil }
        if let max, value > max { context.report(mark, "'\(path)' must be at most \(Self.format(max)), got \(s.string)"); return nil }
        return value
    }

    func bool() -> Bool? {
        guard case .scalar(let s) = node, s.style == .plain else { wrong("true or false"); return nil }
        switch s.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: wrong("true or false"); return nil
        }
    }

    func duration() -> Duration? {
        guard case .scalar(let s) = node, let value = DurationText.parse(s.string) else {
            wrong("a duration such as 500ms, 30s, 15m or 2h"); return nil
        }
        return value
    }

    func tolerance() -> Tolerance? {
        guard case .scalar(let s) = node, let value = Tolerance.parse(s.string) else {
            wrong("a tolerance such as 10% (relative), 0.5pp (percentage points) or a plain number"); return nil
        }
        return value
    }

    /// One of `allowed`, with a suggestion when it is close to one.
    func oneOf(_ allowed: [String]) -> String? {
        guard let s = string() else { return nil }
        guard allowed.contains(s) else {
            context.report(mark, "'\(path)' must be one of \(allowed.joined(separator: ", ")), got '\(s)'\(DidYouMean.hint(for: s, among: allowed))")
            return nil
        }
        return s
    }

    func mapping() -> MappingReader? {
        guard case .mapping(let m) = node else {
            if isNull { return MappingReader(empty: self) }
            wrong("a mapping of keys to values"); return nil
        }
        return MappingReader(value: self, mapping: m)
    }

    func sequence() -> [YAMLValue]? {
        guard case .sequence(let s) = node else { wrong("a list"); return nil }
        return s.enumerated().map { YAMLValue(node: $0.element, path: "\(path)[\($0.offset)]", context: context) }
    }

    /// A list of strings; a single string is accepted as a list of one.
    func stringList() -> [String]? {
        if case .scalar = node, !isNull { return string().map { [$0] } }
        guard let items = sequence() else { return nil }
        let strings = items.compactMap { $0.string() }
        return strings.count == items.count ? strings : nil
    }

    /// A mapping of string keys to scalar string values (labels, headers).
    func stringMap() -> [String: String]? {
        guard let reader = mapping() else { return nil }
        var result: [String: String] = [:]
        for key in reader.keys {
            if let value = reader.value(key)?.string() { result[key] = value }
        }
        return result
    }

    /// A free-form fact: any scalar, list or mapping, kept as plain text for the checklist.
    func factText() -> String {
        switch node {
        case .scalar(let s):
            return s.string
        case .sequence(let items) where items.allSatisfy({ $0.scalar != nil }):
            return items.compactMap(\.string).joined(separator: ", ")
        case .mapping(let m) where m.allSatisfy({ $0.value.scalar != nil }):
            return m.map { "\($0.key.string ?? ""): \($0.value.string ?? "")" }.joined(separator: ", ")
        default:
            return ((try? Yams.serialize(node: node)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }
}

/// Reads a YAML mapping key by key, remembering which keys it was asked about so that
/// ``finish(what:)`` can report every unknown key with a "did you mean" hint.
final class MappingReader {
    let value: YAMLValue
    private var pairs: [(key: String, keyMark: Mark?, value: Node)] = []
    private var known: Set<String> = []

    init(value: YAMLValue, mapping: Node.Mapping) {
        self.value = value
        for (key, node) in mapping {
            guard case .scalar(let k) = key else {
                value.context.report(key.mark, "keys in '\(value.path)' must be plain names")
                continue
            }
            pairs.append((k.string, key.mark, node))
        }
    }

    init(empty value: YAMLValue) {
        self.value = value
    }

    var context: LoadContext { value.context }
    var keys: [String] { pairs.map(\.key) }
    var isEmpty: Bool { pairs.isEmpty }

    private func child(_ key: String) -> String { value.path.isEmpty ? key : "\(value.path).\(key)" }

    /// Whether the key is present (marks it as known).
    func has(_ key: String) -> Bool {
        known.insert(key)
        return pairs.contains { $0.key == key }
    }

    /// The value of an optional key (marks it as known); `nil` when absent or null.
    func value(_ key: String) -> YAMLValue? {
        known.insert(key)
        guard let pair = pairs.first(where: { $0.key == key }) else { return nil }
        let v = YAMLValue(node: pair.value, path: child(key), context: context)
        return v.isNull ? nil : v
    }

    /// The value of a required key; a missing one is reported at the mapping.
    func required(_ key: String, in what: String) -> YAMLValue? {
        guard let v = value(key) else {
            context.report(value.mark, "missing required key '\(key)' in \(what)")
            return nil
        }
        return v
    }

    /// The mark of a key itself (for messages about the key rather than its value).
    func keyMark(_ key: String) -> Mark? { pairs.first { $0.key == key }?.keyMark }

    func string(_ key: String) -> String? { value(key)?.string() }
    func int(_ key: String, in range: ClosedRange<Int>? = nil) -> Int? { value(key)?.int(in: range) }
    func double(_ key: String, min: Double? = nil, max: Double? = nil) -> Double? { value(key)?.double(min: min, max: max) }
    func bool(_ key: String) -> Bool? { value(key)?.bool() }
    func duration(_ key: String) -> Duration? { value(key)?.duration() }
    func tolerance(_ key: String) -> Tolerance? { value(key)?.tolerance() }
    func oneOf(_ key: String, _ allowed: [String]) -> String? { value(key)?.oneOf(allowed) }
    func stringList(_ key: String) -> [String]? { value(key)?.stringList() }
    func stringMap(_ key: String) -> [String: String]? { value(key)?.stringMap() }
    func mapping(_ key: String) -> MappingReader? { value(key)?.mapping() }
    func sequence(_ key: String) -> [YAMLValue]? { value(key)?.sequence() }

    /// Reads every key as a free-form fact (sections that only document the deployment).
    func facts(_ keys: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for key in keys { if let v = value(key) { result[key] = v.factText() } }
        return result
    }

    /// Reports every key that no accessor asked about.
    func finish(what: String) {
        for pair in pairs where !known.contains(pair.key) {
            context.report(pair.keyMark, "unknown key '\(pair.key)' in \(what)\(DidYouMean.hint(for: pair.key, among: known))")
        }
    }
}
