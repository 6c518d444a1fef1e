import Yams

/// Reads a pipeline's `notify:`: one webhook mapping or a list of them.
enum NotifyReader {
    static func read(_ value: YAMLValue?) -> [NotifyWebhook] {
        guard let value else { return [] }
        let items: [YAMLValue]
        if value.node.mapping != nil {
            items = [value]
        } else if let list = value.sequence() {
            items = list
        } else {
            return []
        }
        return items.enumerated().compactMap { index, item in webhook(item, index: index) }
    }

    static func webhook(_ value: YAMLValue, index: Int) -> NotifyWebhook? {
        guard let m = value.mapping() else { return nil }
        CommonChecks.rejectInlineSecrets(m, what: "'\(value.path)'")
        let url = CommonChecks.endpoint(m.value("webhook"))
        let urlEnv = CommonChecks.envName(m.value("webhook_env"))
        let tokenEnv = CommonChecks.envName(m.value("token_env"))
        let name = m.string("name") ?? "notify[\(index)]"
        let format = m.oneOf("format", NotifyWebhook.Format.allCases.map(\.rawValue)).flatMap(NotifyWebhook.Format.init(rawValue:)) ?? .generic
        var events = Set(NotifyEvent.allCases)
        if let list = m.sequence("events") {
            events = Set(list.compactMap { $0.oneOf(NotifyEvent.allCases.map(\.rawValue)).flatMap(NotifyEvent.init(rawValue:)) })
        }
        let retries = m.int("retries", in: 0...10) ?? 3
        let backoff = m.duration("backoff").map(DurationText.seconds) ?? 1
        let timeout = m.duration("timeout").map(DurationText.seconds) ?? 10
        let hasURL = m.has("webhook"), hasEnv = m.has("webhook_env")
        m.finish(what: "'\(value.path)'")
        guard hasURL != hasEnv else {
            value.context.report(value.mark, "'\(value.path)' needs exactly one of 'webhook' (a URL) or 'webhook_env' (a variable holding the URL)")
            return nil
        }
        guard url != nil || urlEnv != nil else { return nil }
        return NotifyWebhook(name: name, url: url, urlEnv: urlEnv, tokenEnv: tokenEnv, format: format, events: events,
                             retries: retries, backoffSeconds: backoff, timeoutSeconds: timeout)
    }
}
