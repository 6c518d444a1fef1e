public import AsyncHTTPClient
public import Foundation
public import TollgateCore
import TollgateTraffic

/// Posts a drift verdict to the suite's `notify.webhook` (JSON body, `Authorization: Bearer` from
/// `notify.token_env` when set). Used when a run finds drift.
public struct DriftNotifier: Sendable {
    public let httpClient: HTTPClient
    public var environment: [String: String]

    public init(httpClient: HTTPClient, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.httpClient = httpClient
        self.environment = environment
    }

    /// Sends the verdict; throws ``EvalError/endpointFailed(url:reason:)`` when the webhook does not take it.
    public func notify(_ verdict: DriftVerdict, suite: DriftSuite) async throws(EvalError) {
        guard let url = suite.notifyWebhook else { return }
        var token: String?
        if let name = suite.notifyTokenEnv {
            guard let value = environment[name], !value.isEmpty else {
                throw .endpointFailed(url: url, reason: "the token variable \(name) named by 'notify.token_env' is not set.")
            }
            token = value
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let body: JSONValue
        do {
            body = JSONValue.parse(try encoder.encode(verdict)) ?? .null
        } catch {
            throw .endpointFailed(url: url, reason: "the verdict could not be encoded (\(error)).")
        }
        let reply = try await JSONEndpoint(httpClient: httpClient, url: url, apiKey: token, timeout: .seconds(10)).post(body)
        guard (200..<300).contains(reply.status) else {
            throw .endpointFailed(url: url, reason: "HTTP \(reply.status): \(reply.text.prefix(200))")
        }
    }
}
