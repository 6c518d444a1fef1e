import Foundation
import Testing
@testable import TollgateEngine

@Suite("Kubernetes router")
struct KubernetesRouterTests {
    static let httpRoute = KubernetesTarget.httpRoute(
        name: "support-chat", rule: 0,
        baseline: .init(index: 0, name: "support-chat-v1"), candidate: .init(index: 1, name: "support-chat-v2"))
    static let virtualService = KubernetesTarget.virtualService(
        name: "support-chat", http: 1,
        baseline: .init(index: 0, host: "support-chat.models.svc.cluster.local", subset: "v1"),
        candidate: .init(index: 1, host: "support-chat.models.svc.cluster.local", subset: "v2"))
    static let inferenceService = KubernetesTarget.inferenceService(name: "support-chat")

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("patches match the golden files for HTTPRoute, VirtualService and InferenceService")
    func goldenPatches() throws {
        #expect(KubernetesPatch.render(Self.httpRoute, candidatePercent: 25) == (try Self.fixture("httproute-25.patch.json")))
        #expect(KubernetesPatch.render(Self.virtualService, candidatePercent: 5) == (try Self.fixture("virtualservice-5.patch.json")))
        #expect(KubernetesPatch.render(Self.inferenceService, candidatePercent: 100) == (try Self.fixture("inferenceservice-100.patch.json")))
    }

    @Test("every rendered patch is valid JSON")
    func patchesParse() throws {
        for target in [Self.httpRoute, Self.virtualService, Self.inferenceService] {
            for weight in [0, 5, 25, 100] {
                #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(KubernetesPatch.render(target, candidatePercent: weight).utf8)) }
            }
        }
    }

    @Test("a dry run prints the kubectl command with the patch and runs nothing")
    func dryRun() async throws {
        let router = KubernetesRouter(target: Self.httpRoute, namespace: "models", context: "staging", kubectl: "/nonexistent/kubectl", dryRun: true)
        let receipt = try await router.setWeight(25)
        #expect(receipt.detail == "dry run, not applied:\n" + (try Self.fixture("httproute-25.kubectl.txt")).replacingOccurrences(of: "kubectl ", with: "/nonexistent/kubectl ", options: .anchored))
    }

    @Test("current weights are read from the objects kubectl returns")
    func readBack() throws {
        #expect(try KubernetesPatch.currentWeight(Self.httpRoute, objectJSON: Data((try Self.fixture("httproute.object.json")).utf8)) == 10)
        #expect(try KubernetesPatch.currentWeight(Self.virtualService, objectJSON: Data((try Self.fixture("virtualservice.object.json")).utf8)) == 25)
        #expect(try KubernetesPatch.currentWeight(Self.inferenceService, objectJSON: Data((try Self.fixture("inferenceservice.object.json")).utf8)) == 5)
        // A backend that moved makes reading fail instead of reporting the wrong arm.
        let swapped = KubernetesTarget.httpRoute(name: "support-chat", baseline: .init(index: 0, name: "support-chat-v2"), candidate: .init(index: 1, name: "support-chat-v1"))
        #expect(throws: RouterError.self) { try KubernetesPatch.currentWeight(swapped, objectJSON: Data((try Self.fixture("httproute.object.json")).utf8)) }
    }

    @Test("applying runs kubectl with the patch, and a failing kubectl is an error with its output")
    func applyWithFakeKubectl() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("args")
        let fake = dir.appendingPathComponent("kubectl")
        try """
        #!/bin/sh
        for a in "$@"; do printf '%s\\n' "$a" >> '\(log.path)'; done
        if [ "$FAIL" = 1 ]; then echo 'Error from server (NotFound): httproutes "support-chat" not found' >&2; exit 1; fi
        echo 'httproute.gateway.networking.k8s.io/support-chat patched'
        """.write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)

        let router = KubernetesRouter(target: Self.httpRoute, namespace: "models", kubectl: fake.path)
        let receipt = try await router.setWeight(25)
        #expect(receipt.detail.hasSuffix("httproute.gateway.networking.k8s.io/support-chat patched"))
        let args = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(args == ["--namespace", "models", "patch", "httproute.gateway.networking.k8s.io", "support-chat", "--type=json", "-p", try Self.fixture("httproute-25.patch.json")])

        let failing = KubernetesRouter(target: Self.httpRoute, kubectl: "/bin/sh")
        do {
            _ = try await failing.setWeight(5)
            Issue.record("a failing command must throw")
        } catch let RouterError.commandFailed(_, status, _) {
            #expect(status != 0)
        }
    }
}
