/// Stage events a rollout announces to the pipeline's `notify:` webhooks.
public enum NotifyEvent: String, Sendable, Codable, CaseIterable, Hashable {
    case stageStarted = "stage_started"
    /// A stage passed and the run moves on.
    case stagePromoted = "stage_promoted"
    case rolledBack = "rolled_back"
    case awaitingApproval = "awaiting_approval"
    /// The run ended (promoted, rolled back, aborted or failed).
    case finished
}

/// One webhook of a pipeline's `notify:` list: where stage events are posted, in which body
/// format, with which secret. The URL and token can come from environment variables only
/// (`webhook_env`, `token_env`), so a Slack incoming-webhook URL never sits in the file.
///
/// ```yaml
/// notify:
///   - { webhook_env: SLACK_WEBHOOK_URL, format: slack, events: [rolled_back, finished] }
///   - { webhook: "http://127.0.0.1:9000/hooks/tollgate", token_env: HOOK_TOKEN }
/// ```
public struct NotifyWebhook: Sendable, Equatable, Codable {
    /// The body posted: Tollgate's documented JSON (`tollgate.notification/v1`) or Slack's `text`/`blocks`.
    public enum Format: String, Sendable, Codable, CaseIterable { case generic, slack }

    /// How the webhook is named in the journal (never its URL): `name`, else `notify[i]`.
    public var name: String
    /// The URL written in the file (not a secret), or nil when `urlEnv` names it.
    public var url: String?
    /// The environment variable holding the URL.
    public var urlEnv: String?
    /// The environment variable holding a bearer token sent as `Authorization: Bearer`.
    public var tokenEnv: String?
    public var format: Format
    public var events: Set<NotifyEvent>
    /// Attempts after the first; each waits twice as long as the one before, from `backoffSeconds`.
    public var retries: Int
    public var backoffSeconds: Double
    public var timeoutSeconds: Double

    public init(name: String, url: String? = nil, urlEnv: String? = nil, tokenEnv: String? = nil, format: Format = .generic,
                events: Set<NotifyEvent> = Set(NotifyEvent.allCases), retries: Int = 3, backoffSeconds: Double = 1, timeoutSeconds: Double = 10) {
        self.name = name
        self.url = url
        self.urlEnv = urlEnv
        self.tokenEnv = tokenEnv
        self.format = format
        self.events = events
        self.retries = retries
        self.backoffSeconds = backoffSeconds
        self.timeoutSeconds = timeoutSeconds
    }
}
