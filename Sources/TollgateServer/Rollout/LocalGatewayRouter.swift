public import TollgateEngine

// The rollout engine's view of an in-process gateway. It lives here, not in Gateway/, so that the
// gateway itself (the proxy, its admin API and metrics) does not import the engine: the engine
// drives the gateway through this adapter, the gateway knows nothing of rollouts.

extension Gateway {
    /// A router that changes this gateway's split directly, without HTTP.
    public var router: some TrafficRouter { LocalGatewayRouter(gateway: self) }
}

/// A ``TrafficRouter`` that sets an in-process ``Gateway``'s split directly.
struct LocalGatewayRouter: TrafficRouter {
    let gateway: Gateway
    var summary: String { "gateway (in-process) \(gateway.configuration.host):\(gateway.configuration.port)" }

    func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        guard (0...100).contains(candidatePercent) else { throw RouterError.weightOutOfRange(candidatePercent) }
        try gateway.setWeights(candidate: candidatePercent)
        return RouterReceipt(router: "gateway", candidatePercent: candidatePercent, detail: "in-process gateway weight set to \(candidatePercent)")
    }

    func currentWeight() async throws -> Int? { gateway.weights.candidate }
}
