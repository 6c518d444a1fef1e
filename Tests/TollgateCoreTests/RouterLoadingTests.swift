import Foundation
import Testing
import TollgateCore

/// The pipeline's `router:` section read into typed settings, one case per router type.
@Suite struct RouterLoadingTests {
    static func pipeline(_ router: String) -> String {
        """
        \(pipelineHead())
        stages:
          - canary: { weight: 5, min_samples: 10, max_duration: 1m }
        \(router)
        """
    }

    static func load(_ router: String) throws -> RouterConfig {
        try DocumentLoader.loadPipeline(text: pipeline(router), path: "p.yaml", checkFiles: false).router
    }

    @Test func aMissingRouterIsTheGatewayAtItsDefaultAddress() throws {
        #expect(try Self.load("") == RouterConfig(.gateway(.init(admin: RouterConfig.defaultGatewayAdmin))))
        let gateway = try Self.load("router: { token_env: ADMIN_TOKEN, gateway_run: g1, url: \"http://127.0.0.1:9200/v1\" }")
        #expect(gateway == RouterConfig(.gateway(.init(admin: RouterConfig.defaultGatewayAdmin, tokenEnv: "ADMIN_TOKEN", gatewayRun: "g1")),
                                        url: "http://127.0.0.1:9200/v1"))
        #expect(gateway.clientURL == "http://127.0.0.1:9200/v1")
        #expect(try Self.load("router: { admin: \"http://127.0.0.1:9100/\" }").clientURL == "http://127.0.0.1:9100/v1")
    }

    @Test func aKubernetesRouterReadsItsIndexesSubsetsAndKubectlSettings() throws {
        let config = try Self.load("""
            router:
              type: kubernetes
              resource: virtualservice
              name: chat
              namespace: llm
              kubeconfig: /etc/kube/config
              route_index: 2
              baseline_backend: chat-a.llm.svc
              candidate_backend: chat-b.llm.svc
              baseline_index: 1
              candidate_index: 0
              baseline_subset: v1
              candidate_subset: v2
              timeout: 20s
            """)
        #expect(config == RouterConfig(.kubernetes(.init(
            resource: .virtualservice, name: "chat", namespace: "llm", kubeconfig: "/etc/kube/config", routeIndex: 2,
            baseline: .init(name: "chat-a.llm.svc", index: 1, subset: "v1"), candidate: .init(name: "chat-b.llm.svc", index: 0, subset: "v2"),
            timeout: .seconds(20)))))
        let defaults = try Self.load("router: { type: kubernetes, resource: httproute, name: r }")
        #expect(defaults == RouterConfig(.kubernetes(.init(resource: .httproute, name: "r"))))
    }

    @Test func haproxyAndCommandRoutersGetTheirDefaults() throws {
        #expect(try Self.load("router: { type: haproxy, socket: /run/haproxy.sock }")
                == RouterConfig(.haproxy(.init(socket: "/run/haproxy.sock", backend: "models", baselineServer: "baseline", candidateServer: "candidate"))))
        #expect(try Self.load("router: { type: command, command: \"set {weight}\", read_command: get, timeout: 5s }")
                == RouterConfig(.command(.init(command: "set {weight}", readCommand: "get", timeout: .seconds(5)))))
    }

    @Test func badRouterSettingsAreReportedWithTheirPosition() {
        let index = pipelineProblems(Self.pipeline("router: { type: kubernetes, resource: httproute, name: r, baseline_index: -1 }"))
        #expect(index.count == 1 && index[0].hasPrefix("p.yaml:11:") && index[0].contains("baseline_index"), "\(index)")
        let unknown = pipelineProblems(Self.pipeline("router: { type: command, command: x, socket: /s }"))
        #expect(unknown.count == 1 && unknown[0].contains("unknown key 'socket'"), "\(unknown)")
        let missing = pipelineProblems(Self.pipeline("router: { type: kubernetes, name: r }"))
        #expect(missing.count == 1 && missing[0].contains("needs 'resource'"), "\(missing)")
    }
}
