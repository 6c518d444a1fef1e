import Foundation

/// A router that changes traffic weights held in a Kubernetes object (Gateway API `HTTPRoute`,
/// Istio `VirtualService`, KServe `InferenceService`) by applying a patch with `kubectl`.
///
/// With `dryRun` it applies nothing and returns the command and patch it would run, which
/// `tollgate router set-weight --dry-run` prints.
public struct KubernetesRouter: TrafficRouter {
    public var target: KubernetesTarget
    public var namespace: String?
    /// The `kubectl` context to use; `nil` uses the current one.
    public var context: String?
    /// The kubeconfig file kubectl reads; `nil` uses kubectl's default.
    public var kubeconfig: String?
    /// The `kubectl` executable: a path, or a name looked up on `PATH`.
    public var kubectl: String
    public var dryRun: Bool
    public var timeout: Duration

    public init(
        target: KubernetesTarget, namespace: String? = nil, context: String? = nil, kubeconfig: String? = nil,
        kubectl: String = "kubectl", dryRun: Bool = false, timeout: Duration = .seconds(60)
    ) {
        self.kubeconfig = kubeconfig
        self.target = target
        self.namespace = namespace
        self.context = context
        self.kubectl = kubectl
        self.dryRun = dryRun
        self.timeout = timeout
    }

    public var summary: String { "kubernetes \(target.resource)/\(target.name)" + (namespace.map { " in \($0)" } ?? "") }

    /// The `kubectl` arguments that apply the patch for `candidatePercent`.
    public func patchArguments(for candidatePercent: Int) -> [String] {
        commonArguments() + ["patch", target.resource, target.name, "--type=\(target.patchType)", "-p", KubernetesPatch.render(target, candidatePercent: candidatePercent)]
    }

    /// The command line a shell user would type for `arguments`, single-quoting what needs it.
    public func commandLine(_ arguments: [String]) -> String {
        ([kubectl] + arguments).map { argument in
            argument.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:".contains($0) }) ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    public func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        try Self.validate(candidatePercent)
        let arguments = patchArguments(for: candidatePercent)
        let line = commandLine(arguments)
        if dryRun {
            return RouterReceipt(router: "kubernetes", candidatePercent: candidatePercent, detail: "dry run, not applied:\n\(line)")
        }
        let outcome = try await run(arguments, line: line)
        return RouterReceipt(router: "kubernetes", candidatePercent: candidatePercent, detail: "$ \(line)\n\(outcome)")
    }

    public func currentWeight() async throws -> Int? {
        let arguments = commonArguments() + ["get", target.resource, target.name, "-o", "json"]
        let output = try await run(arguments, line: commandLine(arguments))
        return try KubernetesPatch.currentWeight(target, objectJSON: Data(output.utf8))
    }

    private func commonArguments() -> [String] {
        var arguments: [String] = []
        if let kubeconfig { arguments += ["--kubeconfig", kubeconfig] }
        if let context { arguments += ["--context", context] }
        if let namespace { arguments += ["--namespace", namespace] }
        return arguments
    }

    private func run(_ arguments: [String], line: String) async throws -> String {
        // `env` finds `kubectl` on PATH the way a shell would, without a shell parsing the patch.
        let (executable, argv) = kubectl.contains("/") ? (kubectl, arguments) : ("/usr/bin/env", [kubectl] + arguments)
        let outcome = try await ProcessRunner(timeout: timeout).run(executable, argv, display: line, router: "kubernetes")
        guard outcome.status == 0 else {
            throw RouterError.commandFailed(command: line, status: outcome.status, output: outcome.output)
        }
        return outcome.output
    }
}
