import ArgumentParser
import Foundation
import TollgateCore
import TollgateStore
import TollgateTraffic

/// `tollgate shadow`: sends every recorded request to both the baseline and the candidate, in a
/// seeded random order, and reports both arms side by side.
struct ShadowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Replay recorded traffic against a baseline and a candidate at once and compare their summaries.",
        discussion: """
        Each request goes to both arms; the two sends start together in an order drawn from --seed, \
        so both arms see the same load over time. Samples are paired by request id. The statistical \
        comparison of the two arms is not part of this command yet: it prints both summaries side by side.
        """
    )

    @OptionGroup var options: TrafficOptions

    @Option(help: "Base URL of the baseline, e.g. http://127.0.0.1:8001/v1.")
    var baseline: String

    @Option(help: "Base URL of the candidate, e.g. http://127.0.0.1:8002/v1.")
    var candidate: String

    @Option(name: .customLong("baseline-model"), help: "Model id written into requests to the baseline.")
    var baselineModel: String?

    @Option(name: .customLong("candidate-model"), help: "Model id written into requests to the candidate.")
    var candidateModel: String?

    @Option(name: .customLong("baseline-api-key-env"), help: "Environment variable holding the baseline's API key.")
    var baselineAPIKeyEnv: String?

    @Option(name: .customLong("candidate-api-key-env"), help: "Environment variable holding the candidate's API key.")
    var candidateAPIKeyEnv: String?

    func run() async throws {
        let configuration = try options.configuration()
        let api = options.api
        let headers = try options.parsedHeaders()
        let endpoints = [
            (Arm.baseline, ModelEndpoint(url: baseline, api: api, model: baselineModel, headers: headers,
                                         apiKey: try baselineAPIKeyEnv.map { try ModelEndpoint.apiKey(fromEnvironment: $0) })),
            (Arm.candidate, ModelEndpoint(url: candidate, api: api, model: candidateModel, headers: headers,
                                          apiKey: try candidateAPIKeyEnv.map { try ModelEndpoint.apiKey(fromEnvironment: $0) })),
        ]
        for (_, endpoint) in endpoints { try endpoint.validate() }
        let timeouts = try options.timeouts()
        let retry = options.retryPolicy()
        try await options.run(targets: { http in
            endpoints.map { arm, endpoint in
                ReplayTarget(arm: arm, client: ModelClient(httpClient: http, endpoint: endpoint, timeouts: timeouts, retry: retry))
            }
        }, configuration: configuration,
        run: NewRun(kind: .shadow, name: URL(fileURLWithPath: options.traffic).lastPathComponent, target: candidate,
                    baselineVersion: baselineModel, candidateVersion: candidateModel))
    }
}
