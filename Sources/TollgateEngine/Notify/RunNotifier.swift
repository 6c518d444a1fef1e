public import AsyncHTTPClient
public import Foundation
import NIOConcurrencyHelpers
public import TollgateCore
import TollgateEval
public import TollgateStore

/// Posts a rollout's stage events to the pipeline's `notify:` webhooks without ever holding the
/// rollout up: ``announce(_:)`` returns at once, delivery runs in its own task, retried with
/// exponential backoff, and each delivery (or final failure) is journaled as a `notification`
/// event naming the webhook, never its URL or token.
public final class RunNotifier: Sendable {
    public let webhooks: [NotifyWebhook]
    let store: RunStore
    let httpClient: HTTPClient
    let environment: [String: String]
    private let pending = NIOLockedValueBox<[UUID: Task<Void, Never>]>([:])

    public init(webhooks: [NotifyWebhook], store: RunStore, httpClient: HTTPClient,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.webhooks = webhooks
        self.store = store
        self.httpClient = httpClient
        self.environment = environment
    }

    /// What the journal records of one delivery.
    public struct Delivery: Codable, Sendable, Equatable {
        public var webhook: String
        public var event: NotifyEvent
        public var delivered: Bool
        public var attempts: Int
        public var httpStatus: Int?
        public var error: String?
    }

    /// Starts delivering `message` to every webhook that subscribes to its event, and returns.
    public func announce(_ message: NotificationMessage) {
        for webhook in webhooks where webhook.events.contains(message.event) {
            let id = UUID()
            let task = Task { [self] in
                await deliver(message, to: webhook)
                _ = pending.withLockedValue { $0.removeValue(forKey: id) }
            }
            pending.withLockedValue { $0[id] = task }
        }
    }

    /// Waits (at most `timeout`) for deliveries under way, so a process that ends after its run
    /// still sends the last events.
    public func waitForDeliveries(timeout: Duration = .seconds(30)) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let (id, task) = pending.withLockedValue({ $0.first.map { ($0.key, $0.value) } }) else { return }
            let finished = await withTaskGroup(of: Bool.self) { group -> Bool in
                group.addTask { await task.value; return true }
                group.addTask { try? await Task.sleep(until: deadline); return false }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if finished { _ = pending.withLockedValue { $0.removeValue(forKey: id) } }
        }
    }

    func deliver(_ message: NotificationMessage, to webhook: NotifyWebhook) async {
        var record = Delivery(webhook: webhook.name, event: message.event, delivered: false, attempts: 0)
        guard let url = webhook.url ?? webhook.urlEnv.flatMap({ environment[$0] }), !url.isEmpty else {
            record.error = "the variable \(webhook.urlEnv ?? "?") named by 'webhook_env' is not set"
            journal(record, message)
            return
        }
        var token: String?
        if let name = webhook.tokenEnv {
            guard let value = environment[name], !value.isEmpty else {
                record.error = "the token variable \(name) named by 'token_env' is not set"
                journal(record, message)
                return
            }
            token = value
        }
        let body: JSONValue
        do { body = try message.body(webhook.format) } catch {
            record.error = "the message could not be encoded: \(error)"
            journal(record, message)
            return
        }
        let endpoint = JSONEndpoint(httpClient: httpClient, url: url, apiKey: token, timeout: .milliseconds(Int(webhook.timeoutSeconds * 1000)))
        var wait = webhook.backoffSeconds
        for attempt in 0...webhook.retries {
            record.attempts = attempt + 1
            do {
                let reply = try await endpoint.post(body)
                record.httpStatus = reply.status
                if (200..<300).contains(reply.status) {
                    record.delivered = true
                    record.error = nil
                    break
                }
                record.error = "HTTP \(reply.status): \(reply.text.prefix(200))"
            } catch {
                // The URL may be a secret (a Slack webhook): name the webhook instead.
                record.httpStatus = nil
                record.error = "\(error)".replacingOccurrences(of: url, with: webhook.name)
            }
            guard attempt < webhook.retries, !Task.isCancelled else { break }
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            wait *= 2
        }
        journal(record, message)
    }

    func journal(_ record: Delivery, _ message: NotificationMessage) {
        _ = try? store.appendEvent(runID: message.runID, kind: RunEventKind.notification.rawValue, payload: record)
    }
}

extension RunNotifier {
    /// The message a journal event announces, or nil for events webhooks are not told about.
    static func message<P: Encodable>(for kind: RunEventKind, _ payload: P, runID: String, pipeline: Pipeline, at: Date) -> [NotificationMessage] {
        func make(_ event: NotifyEvent, stage: Int?, weight: Int? = nil, outcome: String? = nil, reason: String? = nil) -> NotificationMessage {
            NotificationMessage(schema: NotificationMessage.schema, event: event, runID: runID, pipeline: pipeline.name, model: pipeline.model.name,
                                baselineVersion: pipeline.model.baseline.version, candidateVersion: pipeline.model.candidate.version,
                                stage: stage.flatMap { pipeline.stages.indices.contains($0) ? pipeline.stages[$0].name : nil }, stageIndex: stage,
                                weight: weight, outcome: outcome, reason: reason, at: at, report: "/v1/runs/\(runID)/report")
        }
        switch (kind, payload) {
        case (.stageStarted, let p as RunEventPayload.StageStarted):
            return [make(.stageStarted, stage: p.stage, weight: p.weight)]
        case (.stageCompleted, let p as RunEventPayload.StageCompleted):
            return [make(.stagePromoted, stage: p.stage, outcome: p.outcome, reason: p.reason)]
        case (.awaitingApproval, let p as RunEventPayload.AwaitingApproval):
            return [make(.awaitingApproval, stage: p.stage, reason: p.note)]
        case (.rolledBack, let p as RunEventPayload.Finished):
            return [make(.rolledBack, stage: p.stage, reason: p.reason), make(.finished, stage: p.stage, outcome: kind.rawValue, reason: p.reason)]
        case (.promoted, let p as RunEventPayload.Finished), (.aborted, let p as RunEventPayload.Finished), (.failed, let p as RunEventPayload.Finished):
            return [make(.finished, stage: p.stage, outcome: kind.rawValue, reason: p.reason)]
        default:
            return []
        }
    }

    /// Announces what a journal event says, if webhooks are told about it (the engine's hook).
    func announce<P: Encodable>(_ kind: RunEventKind, _ payload: P, runID: String, pipeline: Pipeline, at: Date) {
        for message in Self.message(for: kind, payload, runID: runID, pipeline: pipeline, at: at) { announce(message) }
    }
}
