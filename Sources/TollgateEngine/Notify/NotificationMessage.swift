public import Foundation
public import TollgateCore

/// The generic body a `notify:` webhook receives (schema `tollgate.notification/v1`, documented
/// in docs/notifications.md), and its Slack-compatible rendering.
public struct NotificationMessage: Codable, Sendable, Equatable {
    public static let schema = "tollgate.notification/v1"

    public var schema: String
    public var event: NotifyEvent
    public var runID: String
    public var pipeline: String
    public var model: String
    public var baselineVersion: String
    public var candidateVersion: String
    public var stage: String?
    public var stageIndex: Int?
    /// The candidate's weight in the stage, when it has one.
    public var weight: Int?
    /// `promoted`, `rolled_back`, `aborted`, `failed` for `finished`; the stage's outcome for `stage_promoted`.
    public var outcome: String?
    public var reason: String?
    public var at: Date
    /// Path of the run's HTML report on `tollgate serve`.
    public var report: String

    enum CodingKeys: String, CodingKey {
        case schema, event, pipeline, model, stage, weight, outcome, reason, at, report
        case runID = "run_id"
        case baselineVersion = "baseline_version"
        case candidateVersion = "candidate_version"
        case stageIndex = "stage_index"
    }

    /// One line for people: `demo-chat 1.0.0 → 1.1.0: rolled back at canary-5 — ttft_ms is worse…`.
    public var sentence: String {
        let what: String
        switch event {
        case .stageStarted: what = "stage \(stage ?? "?") started" + (weight.map { " (candidate weight \($0)%)" } ?? "")
        case .stagePromoted: what = "stage \(stage ?? "?") \(outcome ?? "completed")"
        case .rolledBack: what = "rolled back" + (stage.map { " at \($0)" } ?? "")
        case .awaitingApproval: what = "waiting for approval at \(stage ?? "?") — `tollgate rollout approve \(runID)`"
        case .finished: what = "finished: \((outcome ?? "?").replacingOccurrences(of: "_", with: " "))"
        }
        return "\(pipeline) \(baselineVersion) → \(candidateVersion): \(what)" + (reason.map { " — \($0)" } ?? "")
    }

    /// The body for `format`.
    public func body(_ format: NotifyWebhook.Format) throws -> JSONValue {
        switch format {
        case .generic:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return JSONValue.parse(try encoder.encode(self)) ?? .null
        case .slack:
            let icon: String
            switch event {
            case .rolledBack: icon = ":rotating_light:"
            case .finished: icon = outcome == "promoted" ? ":white_check_mark:" : ":x:"
            case .awaitingApproval: icon = ":raised_hand:"
            case .stageStarted, .stagePromoted: icon = ":arrow_forward:"
            }
            let text = "\(icon) \(sentence)"
            return .object([
                "text": .string(text),
                "blocks": .array([
                    .object(["type": .string("section"), "text": .object(["type": .string("mrkdwn"), "text": .string(text)])]),
                    .object(["type": .string("context"), "elements": .array([
                        .object(["type": .string("mrkdwn"), "text": .string("run `\(runID)` · event `\(event.rawValue)` · report `\(report)`")]),
                    ])]),
                ]),
            ])
        }
    }
}
