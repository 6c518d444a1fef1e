import Testing
@testable import TollgateEngine

@Suite("HAProxy router (without HAProxy)")
struct HAProxyRouterTests {
    @Test("runtime API commands and answers")
    func commands() throws {
        let router = try HAProxyRouter(socketPath: "/tmp/x.sock", backend: "models", baselineServer: "baseline", candidateServer: "candidate")
        #expect(router.setCommands(for: 25) == ["set server models/candidate weight 25", "set server models/baseline weight 75"])
        #expect(HAProxyRouter.parseWeights("25 (initial 0)\n\n75 (initial 100)\n\n") == [25, 75])
        #expect(HAProxyRouter.parseWeights("No such server.\n").isEmpty)
        #expect(throws: RouterError.self) { try HAProxyRouter(socketPath: "/tmp/x.sock", backend: "models; disable", baselineServer: "a", candidateServer: "b") }
    }

    @Test("an absent socket is reported as unreachable")
    func missingSocket() async throws {
        let router = try HAProxyRouter(socketPath: "/nonexistent/haproxy.sock", backend: "models", baselineServer: "baseline", candidateServer: "candidate")
        await #expect(throws: RouterError.self) { try await router.setWeight(5) }
    }
}
