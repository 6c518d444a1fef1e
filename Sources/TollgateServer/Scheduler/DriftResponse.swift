public import AsyncHTTPClient
import Foundation
public import TollgateCore
import TollgateEngine
public import TollgateEval
public import TollgateStore

/// What Tollgate does when a drift suite finds drift, the same whether `tollgate drift run` ran
/// it (from cron) or the scheduler of `tollgate serve` did: post the verdict to the suite's
/// webhook, then, when the suite's `on_drift` names a pipeline, ask every active rollout of that
/// pipeline to roll back (an operator command in its journal, applied by whoever drives it).
public struct DriftResponse: Sendable, Equatable {
    /// Whether the verdict was delivered to the suite's webhook.
    public var notified = false
    /// Why the webhook did not take the verdict, when it did not.
    public var notificationError: String?
    /// The rollouts asked to roll back.
    public var rolledBack: [String] = []

    /// Acts on `verdict` (nothing when it found no drift). A webhook failure is reported, not
    /// thrown, so a down receiver never stops the rollback; a database failure is thrown.
    public static func respond(to verdict: DriftVerdict, suite: DriftSuite, store: RunStore,
                               httpClient: HTTPClient) async throws -> DriftResponse {
        var response = DriftResponse()
        guard verdict.drifted else { return response }
        if suite.notifyWebhook != nil {
            do {
                try await DriftNotifier(httpClient: httpClient).notify(verdict, suite: suite)
                response.notified = true
            } catch {
                response.notificationError = "\(error)"
            }
        }
        guard let pipeline = suite.rollbackPipeline else { return response }
        let active = try store.read { try $0.runs(statuses: [.running, .paused, .awaitingApproval], kinds: [.rollout]) }
            .filter { $0.name == pipeline }
        let features = verdict.driftedFeatures.map(\.rawValue).joined(separator: ", ")
        for run in active {
            try OperatorCommands.request(.init(command: .rollback, reason: "drift suite \(suite.name) found drift in \(features)",
                                               source: "drift:\(suite.name)", details: ["suite": suite.name, "features": features]),
                                         runID: run.id, store: store)
            response.rolledBack.append(run.id)
        }
        return response
    }
}
