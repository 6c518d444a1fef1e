public import AsyncHTTPClient
public import Foundation
public import TollgateCore

extension RouterConfig {
    /// The router this configuration describes: the one place a pipeline's `router:` section
    /// (or `tollgate router`'s options, turned into a ``RouterConfig``) becomes a ``TrafficRouter``.
    ///
    /// ```swift
    /// let router = try pipeline.router.makeRouter(client: httpClient)
    /// _ = try await router.setWeight(5)
    /// ```
    /// - Parameters:
    ///   - client: the HTTP client a gateway router talks through.
    ///   - environment: where the gateway's admin token (`token_env`) is read.
    ///   - dryRun: a kubernetes router prints the kubectl command instead of running it.
    /// - Throws: ``RouterError/missingToken(variable:)`` when `token_env` names an unset variable
    ///   (bad input), and the routers' own ``RouterError/invalidConfiguration(_:)``.
    public func makeRouter(client: HTTPClient, environment: [String: String] = ProcessInfo.processInfo.environment,
                           dryRun: Bool = false) throws -> any TrafficRouter {
        switch settings {
        case .gateway(let gateway):
            var token = ""
            if let variable = gateway.tokenEnv {
                guard let value = environment[variable], !value.isEmpty else { throw RouterError.missingToken(variable: variable) }
                token = value
            }
            return GatewayRouter(adminURL: gateway.admin, token: token, client: client)
        case .haproxy(let haproxy):
            return try HAProxyRouter(socketPath: haproxy.socket, backend: haproxy.backend,
                                     baselineServer: haproxy.baselineServer, candidateServer: haproxy.candidateServer)
        case .kubernetes(let kubernetes):
            return KubernetesRouter(target: kubernetes.target, namespace: kubernetes.namespace, context: kubernetes.context,
                                    kubeconfig: kubernetes.kubeconfig, kubectl: kubernetes.kubectl, dryRun: dryRun, timeout: kubernetes.timeout)
        case .command(let command):
            return try CommandRouter(setCommand: command.command, readCommand: command.readCommand, timeout: command.timeout)
        }
    }
}

extension RouterConfig.Kubernetes {
    /// The object and the two arms' places in it, as ``KubernetesRouter`` patches them (for a
    /// VirtualService an arm's `name` is its destination host).
    public var target: KubernetesTarget {
        switch resource {
        case .httproute:
            return .httpRoute(name: name, rule: routeIndex, baseline: .init(index: baseline.index, name: baseline.name),
                              candidate: .init(index: candidate.index, name: candidate.name))
        case .virtualservice:
            return .virtualService(name: name, http: routeIndex,
                                   baseline: .init(index: baseline.index, host: baseline.name, subset: baseline.subset),
                                   candidate: .init(index: candidate.index, host: candidate.name, subset: candidate.subset))
        case .inferenceservice:
            return .inferenceService(name: name)
        }
    }
}
