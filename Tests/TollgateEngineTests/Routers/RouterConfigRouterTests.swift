import AsyncHTTPClient
import Foundation
import Testing
import TollgateCore
@testable import TollgateEngine

/// ``RouterConfig/makeRouter(client:environment:dryRun:)``: the one place a router is built.
@Suite("Routers built from their configuration")
struct RouterConfigRouterTests {
    @Test func aKubernetesConfigBecomesARouterWithItsIndexesAndKubeconfig() async throws {
        let config = RouterConfig(.kubernetes(.init(
            resource: .virtualservice, name: "chat", namespace: "llm", kubeconfig: "/etc/kube/config", routeIndex: 1,
            baseline: .init(name: "chat.llm.svc", index: 1, subset: "v1"), candidate: .init(name: "chat.llm.svc", index: 0, subset: "v2"),
            kubectl: "/nonexistent/kubectl", timeout: .seconds(5))))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let built = try config.makeRouter(client: client, environment: [:], dryRun: true)
        try await client.shutdown()
        let router = try #require(built as? KubernetesRouter)
        #expect(router.target == .virtualService(name: "chat", http: 1,
                                                 baseline: .init(index: 1, host: "chat.llm.svc", subset: "v1"),
                                                 candidate: .init(index: 0, host: "chat.llm.svc", subset: "v2")))
        #expect(router.timeout == .seconds(5) && router.dryRun)
        let arguments = router.patchArguments(for: 5)
        #expect(Array(arguments.prefix(4)) == ["--kubeconfig", "/etc/kube/config", "--namespace", "llm"])
        let receipt = try await router.setWeight(5)
        #expect(receipt.detail.contains("dry run") && receipt.detail.contains("/spec/http/1/route/1/weight"))
    }

    @Test func aGatewayTokenVariableMustBeSet() throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? client.syncShutdown() }
        let config = RouterConfig(.gateway(.init(admin: "http://127.0.0.1:9", tokenEnv: "GW_TOKEN")))
        #expect(throws: RouterError.missingToken(variable: "GW_TOKEN")) { try config.makeRouter(client: client, environment: [:]) }
        #expect(try config.makeRouter(client: client, environment: ["GW_TOKEN": "t"]) is GatewayRouter)
        let command = RouterConfig(.command(.init(command: "echo {weight}", readCommand: "echo 5", timeout: .seconds(3))))
        #expect(try command.makeRouter(client: client) is CommandRouter)
    }
}
