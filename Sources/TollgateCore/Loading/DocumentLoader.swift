import Foundation
import Yams

/// The kinds of file Tollgate reads, by their `kind:` key.
public enum DocumentKind: String, Sendable, CaseIterable {
    case pipeline, evalsuite, driftsuite
}

/// A validated file of any kind.
public enum Document: Sendable {
    case pipeline(Pipeline)
    case evalSuite(EvalSuite)
    case driftSuite(DriftSuite)
}

/// Loads and validates Tollgate's YAML files, reporting every problem with `path:line:column`.
///
/// ```swift
/// do { let pipeline = try DocumentLoader.loadPipeline(at: "pipelines/support-chat.yaml") }
/// catch let error as LoadError { error.diagnostics.forEach { print($0) } }
/// ```
public enum DocumentLoader {
    /// Loads any Tollgate file, dispatching on its `kind`.
    public static func load(at path: String) throws(LoadError) -> Document {
        let context = LoadContext(file: path)
        guard let root = readRoot(path: path, context: context) else { throw LoadError(diagnostics: context.sortedDiagnostics) }
        let kind = header(root, context: context)
        let document: Document?
        switch kind {
        case .pipeline: document = PipelineLoader.read(root, context: context).map(Document.pipeline)
        case .evalsuite: document = SuiteLoader.readEvalSuite(root, context: context).map(Document.evalSuite)
        case .driftsuite: document = SuiteLoader.readDriftSuite(root, context: context).map(Document.driftSuite)
        case nil: document = nil
        }
        guard let document, context.sortedDiagnostics.isEmpty else { throw LoadError(diagnostics: context.sortedDiagnostics) }
        return document
    }

    /// Loads a file that must be a pipeline.
    public static func loadPipeline(at path: String) throws(LoadError) -> Pipeline {
        try loadPipeline(text: nil, path: path)
    }

    /// Loads a pipeline from `text` (a stored snapshot), reporting positions against `path`. A
    /// snapshot's referenced files are resolved but not required to exist any more, unless
    /// `checkFiles` says so.
    public static func loadPipeline(text: String?, path: String, checkFiles: Bool? = nil) throws(LoadError) -> Pipeline {
        let context = LoadContext(file: path, checksReferencedFiles: checkFiles ?? (text == nil))
        let root: MappingReader?
        if let text { root = context.compose(text).flatMap { YAMLValue(node: $0, path: "", context: context).mapping() } }
        else { root = readRoot(path: path, context: context) }
        guard let root else { throw LoadError(diagnostics: context.sortedDiagnostics) }
        if let kind = header(root, context: context), kind != .pipeline {
            context.report(root.keyMark("kind"), "expected a file of kind 'pipeline', got '\(kind.rawValue)'")
        }
        let pipeline = PipelineLoader.read(root, context: context)
        guard let pipeline, context.diagnostics.isEmpty else { throw LoadError(diagnostics: context.sortedDiagnostics) }
        return pipeline
    }

    /// Loads a file that must be an eval suite.
    public static func loadEvalSuite(at path: String) throws(LoadError) -> EvalSuite {
        guard case .evalSuite(let suite) = try load(at: path) else {
            throw LoadError(diagnostics: [Diagnostic(file: path, line: 1, column: 1, message: "expected a file of kind 'evalsuite'")])
        }
        return suite
    }

    /// Loads a file that must be a drift suite.
    public static func loadDriftSuite(at path: String) throws(LoadError) -> DriftSuite {
        guard case .driftSuite(let suite) = try load(at: path) else {
            throw LoadError(diagnostics: [Diagnostic(file: path, line: 1, column: 1, message: "expected a file of kind 'driftsuite'")])
        }
        return suite
    }

    static func readRoot(path: String, context: LoadContext) -> MappingReader? {
        guard let data = FileManager.default.contents(atPath: path) else {
            context.report(nil, "cannot read the file (it does not exist or is not readable)")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            context.report(nil, "the file is not UTF-8 text")
            return nil
        }
        guard let node = context.compose(text) else {
            if context.diagnostics.isEmpty { context.report(nil, "the file is empty; expected a mapping with 'version' and 'kind'") }
            return nil
        }
        guard case .mapping = node else {
            context.report(node.mark, "the file must be a mapping with 'version', 'kind' and the keys of its kind, got \(YAMLValue(node: node, path: "", context: context).describe())")
            return nil
        }
        return YAMLValue(node: node, path: "", context: context).mapping()
    }

    /// Reads `version` and `kind`; reports problems with either.
    static func header(_ root: MappingReader, context: LoadContext) -> DocumentKind? {
        if let version = root.required("version", in: "the file")?.int() , version != 1 {
            context.report(root.value("version")?.mark, "unsupported version \(version); this Tollgate reads version 1")
        }
        guard let kindValue = root.required("kind", in: "the file"), let kind = kindValue.string() else { return nil }
        guard let known = DocumentKind(rawValue: kind) else {
            context.report(kindValue.mark, "unknown kind '\(kind)'; expected pipeline, evalsuite or driftsuite\(DidYouMean.hint(for: kind, among: DocumentKind.allCases.map(\.rawValue)))")
            return nil
        }
        return known
    }
}

/// Checks shared by every file kind.
enum CommonChecks {
    /// An http(s) URL with a host.
    static func endpoint(_ value: YAMLValue?) -> String? {
        guard let value, let text = value.nonEmptyString() else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty
        else {
            value.context.report(value.mark, "'\(value.path)' must be an http:// or https:// URL, got '\(text)'")
            return nil
        }
        return text
    }

    /// A referenced file, resolved relative to the file that names it; reports a missing one.
    static func existingFile(_ value: YAMLValue?) -> String? {
        guard let value, let text = value.nonEmptyString() else { return nil }
        let url = value.context.resolve(text)
        guard value.context.checksReferencedFiles else { return url.standardizedFileURL.path }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            value.context.report(value.mark, "'\(value.path)' names '\(text)', which does not exist (paths are relative to this file)")
            return nil
        }
        return url.standardizedFileURL.path
    }

    /// An environment variable name (letters, digits, underscore; not starting with a digit).
    static func envName(_ value: YAMLValue?) -> String? {
        guard let value, let text = value.nonEmptyString() else { return nil }
        let valid = text.first.map { !$0.isNumber } == true && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard valid else {
            value.context.report(value.mark, "'\(value.path)' must name an environment variable (like OPENAI_API_KEY), got '\(text)'")
            return nil
        }
        return text
    }

    /// Keys that would hold a secret in the file itself.
    static let secretKeys: Set<String> = ["api_key", "apikey", "token", "password", "secret", "bearer", "authorization", "credentials", "key"]

    /// Reports secrets written inline: a secret-looking key, or an Authorization header.
    static func rejectInlineSecrets(_ reader: MappingReader, what: String) {
        for key in reader.keys where secretKeys.contains(key.lowercased()) {
            _ = reader.value(key)
            reader.context.report(reader.keyMark(key), "'\(key)' in \(what) would put a secret in the file; name an environment variable instead with '\(key == "key" ? "api_key" : key)_env: VARIABLE'")
        }
    }

    static func rejectSecretHeaders(_ value: YAMLValue?) -> [String: String] {
        guard let value, let reader = value.mapping() else { return [:] }
        var headers: [String: String] = [:]
        for key in reader.keys {
            guard let v = reader.value(key) else { continue }
            if ["authorization", "x-api-key", "api-key", "proxy-authorization"].contains(key.lowercased()) {
                value.context.report(reader.keyMark(key), "header '\(key)' in '\(value.path)' would put a secret in the file; use 'api_key_env: VARIABLE' instead")
                continue
            }
            if let s = v.string() { headers[key] = s }
        }
        return headers
    }

    /// Parses `name=value`, `name!=value`, `name=~regex`, `name!~regex` (value optionally quoted).
    static func matcher(_ value: YAMLValue) -> AlertMatcher? {
        guard let text = value.string() else { return nil }
        for op in [AlertMatcher.Operator.matches, .notMatches, .notEqual, .equal] {
            guard let range = text.range(of: op.rawValue) else { continue }
            let label = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            var rhs = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            if rhs.count >= 2, rhs.first == "\"", rhs.last == "\"" { rhs = String(rhs.dropFirst().dropLast()) }
            guard !label.isEmpty, label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { break }
            if op == .matches || op == .notMatches, (try? NSRegularExpression(pattern: "^(?:\(rhs))$")) == nil {
                value.context.report(value.mark, "'\(value.path)': '\(rhs)' is not a valid regular expression")
                return nil
            }
            return AlertMatcher(label: label, op: op, value: rhs)
        }
        value.context.report(value.mark, "'\(value.path)' must be a label matcher like alertname=\"X\", severity!=\"info\", model=~\"chat.*\" or env!~\"dev|test\", got '\(text)'")
        return nil
    }

    /// Reads a free-form documentation section: only `keys` are allowed; values are kept as text.
    static func factSection(_ root: MappingReader, _ section: String, keys: [String], into facts: inout [String: String]) {
        guard let reader = root.mapping(section) else { return }
        for (key, text) in reader.facts(keys) { facts["\(section).\(key)"] = text }
        reader.finish(what: "'\(section)'")
    }
}
