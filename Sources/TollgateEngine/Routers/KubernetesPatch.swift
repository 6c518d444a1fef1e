public import Foundation

/// The Kubernetes object whose traffic split a ``KubernetesRouter`` changes, and where in it the
/// two arms are.
public enum KubernetesTarget: Sendable, Equatable {
    /// A Gateway API `HTTPRoute`: the weights of two `backendRefs` of one rule, found by index and
    /// checked by name.
    case httpRoute(name: String, rule: Int = 0, baseline: BackendRef, candidate: BackendRef)
    /// An Istio `VirtualService`: the weights of two `route` destinations of one `http` route.
    case virtualService(name: String, http: Int = 0, baseline: Destination, candidate: Destination)
    /// A KServe `InferenceService`: `spec.predictor.canaryTrafficPercent`.
    case inferenceService(name: String)

    /// One entry of a list of weighted backends: its position in the list and the name it must
    /// have there (checked before the weight is changed).
    public struct BackendRef: Sendable, Equatable {
        public var index: Int
        public var name: String
        public init(index: Int, name: String) { self.index = index; self.name = name }
    }

    /// One Istio route destination: its position in `route`, its host and optional subset.
    public struct Destination: Sendable, Equatable {
        public var index: Int
        public var host: String
        public var subset: String?
        public init(index: Int, host: String, subset: String? = nil) { self.index = index; self.host = host; self.subset = subset }
    }

    /// The resource type as `kubectl` names it, fully qualified so no alias can be ambiguous.
    public var resource: String {
        switch self {
        case .httpRoute: return "httproute.gateway.networking.k8s.io"
        case .virtualService: return "virtualservice.networking.istio.io"
        case .inferenceService: return "inferenceservice.serving.kserve.io"
        }
    }

    public var name: String {
        switch self {
        case .httpRoute(let name, _, _, _), .virtualService(let name, _, _, _), .inferenceService(let name): return name
        }
    }

    /// `json` (RFC 6902, for list entries) or `merge` (RFC 7386).
    public var patchType: String {
        if case .inferenceService = self { return "merge" }
        return "json"
    }
}

/// Renders the patch that sets a candidate share on a ``KubernetesTarget``, and reads the share
/// back from the object's JSON. Pure: no cluster needed.
///
/// List entries are changed with JSON Patch `test` operations on their names before the `add`
/// of the weights, so a route whose backends were reordered makes the whole patch fail instead
/// of moving traffic to the wrong backend.
public enum KubernetesPatch {
    /// The patch document for `candidatePercent`, as compact, stable JSON text.
    public static func render(_ target: KubernetesTarget, candidatePercent: Int) -> String {
        let baselinePercent = 100 - candidatePercent
        switch target {
        case .httpRoute(_, let rule, let baseline, let candidate):
            let base = "/spec/rules/\(rule)/backendRefs"
            return jsonPatch([
                .test("\(base)/\(baseline.index)/name", .string(baseline.name)),
                .test("\(base)/\(candidate.index)/name", .string(candidate.name)),
                .add("\(base)/\(baseline.index)/weight", .int(baselinePercent)),
                .add("\(base)/\(candidate.index)/weight", .int(candidatePercent)),
            ])
        case .virtualService(_, let http, let baseline, let candidate):
            let base = "/spec/http/\(http)/route"
            var operations: [Operation] = []
            for destination in [baseline, candidate] {
                operations.append(.test("\(base)/\(destination.index)/destination/host", .string(destination.host)))
                if let subset = destination.subset {
                    operations.append(.test("\(base)/\(destination.index)/destination/subset", .string(subset)))
                }
            }
            operations.append(.add("\(base)/\(baseline.index)/weight", .int(baselinePercent)))
            operations.append(.add("\(base)/\(candidate.index)/weight", .int(candidatePercent)))
            return jsonPatch(operations)
        case .inferenceService:
            return "{\"spec\":{\"predictor\":{\"canaryTrafficPercent\":\(candidatePercent)}}}"
        }
    }

    /// The candidate's share in percent read from the object `kubectl get -o json` printed, or
    /// `nil` when the object holds no weights to read (both zero).
    ///
    /// Defaults follow each API: a Gateway API backendRef without `weight` weighs 1; an Istio
    /// destination without `weight` takes the remainder to 100; a KServe predictor without
    /// `canaryTrafficPercent` sends everything to the latest revision (100).
    public static func currentWeight(_ target: KubernetesTarget, objectJSON: Data) throws -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: objectJSON) as? [String: Any],
              let spec = object["spec"] as? [String: Any]
        else {
            throw RouterError.unexpectedAnswer(router: "kubernetes", answer: "the object is not JSON with a `spec`")
        }
        switch target {
        case .httpRoute(_, let rule, let baseline, let candidate):
            let refs = try list(spec, "rules", rule, "backendRefs")
            let b = try entry(refs, baseline.index, name: baseline.name, key: "name")
            let c = try entry(refs, candidate.index, name: candidate.name, key: "name")
            return share(candidate: c["weight"] as? Int ?? 1, baseline: b["weight"] as? Int ?? 1)
        case .virtualService(_, let http, let baseline, let candidate):
            let routes = try list(spec, "http", http, "route")
            let b = try entry(routes, baseline.index, name: baseline.host, key: "host")
            let c = try entry(routes, candidate.index, name: candidate.host, key: "host")
            let bw = b["weight"] as? Int, cw = c["weight"] as? Int
            return share(candidate: cw ?? (100 - (bw ?? 0)), baseline: bw ?? (100 - (cw ?? 0)))
        case .inferenceService:
            let predictor = spec["predictor"] as? [String: Any] ?? [:]
            return predictor["canaryTrafficPercent"] as? Int ?? 100
        }
    }

    private static func share(candidate: Int, baseline: Int) -> Int? {
        guard candidate + baseline > 0 else { return nil }
        return Int((Double(candidate) * 100 / Double(candidate + baseline)).rounded())
    }

    private static func list(_ spec: [String: Any], _ outer: String, _ index: Int, _ inner: String) throws -> [[String: Any]] {
        guard let items = spec[outer] as? [[String: Any]], items.indices.contains(index),
              let list = items[index][inner] as? [[String: Any]]
        else {
            throw RouterError.unexpectedAnswer(router: "kubernetes", answer: "the object has no `spec.\(outer)[\(index)].\(inner)` list")
        }
        return list
    }

    /// The list entry at `index`, checked to be the one named `name` (`key` is `name` for
    /// backendRefs, `host` for Istio destinations).
    private static func entry(_ list: [[String: Any]], _ index: Int, name: String, key: String) throws -> [String: Any] {
        guard list.indices.contains(index) else {
            throw RouterError.unexpectedAnswer(router: "kubernetes", answer: "the list has no entry \(index) (it has \(list.count))")
        }
        let item = list[index]
        let found = key == "host" ? (item["destination"] as? [String: Any])?["host"] as? String : item["name"] as? String
        guard found == name else {
            throw RouterError.unexpectedAnswer(router: "kubernetes", answer: "entry \(index) is '\(found ?? "unnamed")', not '\(name)'")
        }
        return item
    }

    // MARK: JSON Patch text

    private enum Value {
        case string(String)
        case int(Int)
        var json: String {
            switch self {
            case .int(let value): return String(value)
            case .string(let value):
                let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
                return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
            }
        }
    }

    private enum Operation {
        case test(String, Value)
        case add(String, Value)
        var json: String {
            switch self {
            case .test(let path, let value): return "{\"op\":\"test\",\"path\":\"\(path)\",\"value\":\(value.json)}"
            case .add(let path, let value): return "{\"op\":\"add\",\"path\":\"\(path)\",\"value\":\(value.json)}"
            }
        }
    }

    private static func jsonPatch(_ operations: [Operation]) -> String {
        "[" + operations.map(\.json).joined(separator: ",") + "]"
    }
}
