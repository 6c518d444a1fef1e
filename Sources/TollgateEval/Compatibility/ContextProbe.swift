import Foundation
import TollgateTraffic

/// Probes whether a model accepts inputs up to `max_input_tokens`: two short filler inputs (32 and
/// 128 words) first calibrate how the server counts tokens (a line through their
/// `usage.prompt_tokens`: tokens per word and the chat template's overhead; one token per word and
/// 16 of overhead when the server reports none), then inputs grow to 25%, 50%, 75% and 95% of the
/// limit, each with `max_tokens: 1`.
public struct ContextProbe: Sendable {
    public let chat: JSONEndpoint
    public let model: String?
    public let maxInputTokens: Int
    public var fractions: [Double] = [0.25, 0.5, 0.75, 0.95]

    public init(chat: JSONEndpoint, model: String?, maxInputTokens: Int) {
        self.chat = chat
        self.model = model
        self.maxInputTokens = maxInputTokens
    }

    /// One probe's outcome.
    public struct Step: Sendable, Equatable, Codable {
        public var targetTokens: Int
        public var reportedTokens: Int?
        public var status: Int
        public var accepted: Bool
    }

    public func run() async throws(EvalError) -> [Step] {
        let small = try await send(words: 32), large = try await send(words: 128)
        var perWord = 1.0, overhead = 16.0
        if let t1 = small.reportedTokens, let t2 = large.reportedTokens, t2 > t1 {
            perWord = Double(t2 - t1) / 96
            overhead = max(0, Double(t1) - perWord * 32)
        }
        var steps: [Step] = []
        for f in fractions {
            let target = Int(Double(maxInputTokens) * f)
            let words = max(1, Int((Double(target) - overhead) / perWord))
            var step = try await send(words: words)
            step.targetTokens = target
            steps.append(step)
            if !step.accepted { break }
        }
        return steps
    }

    private func send(words: Int) async throws(EvalError) -> Step {
        let filler = String(repeating: "data ", count: words)
        var body: [String: JSONValue] = [
            "messages": .array([.object(["role": .string("user"), "content": .string(filler)])]),
            "max_tokens": .integer(1), "temperature": .integer(0),
        ]
        if let model { body["model"] = .string(model) }
        let reply = try await chat.post(.object(body))
        let tokens = reply.body?["usage"]?["prompt_tokens"]?.intValue
        return Step(targetTokens: words, reportedTokens: tokens, status: reply.status, accepted: (200..<300).contains(reply.status))
    }

    /// The check for the report, from the candidate's probe steps.
    public static func check(_ steps: [Step], maxInputTokens: Int) -> CompatibilityCheck {
        let rejected = steps.first { !$0.accepted }
        let largest = steps.filter(\.accepted).map(\.targetTokens).max() ?? 0
        if let rejected {
            return CompatibilityCheck(name: "max_input_tokens", status: .fail,
                                      detail: "The candidate rejected an input of about \(rejected.targetTokens) tokens (HTTP \(rejected.status)); max_input_tokens is \(maxInputTokens).",
                                      problems: ["Inputs up to \(largest) tokens were accepted, \(rejected.targetTokens) was not."])
        }
        return CompatibilityCheck(name: "max_input_tokens", status: .pass,
                                  detail: "The candidate accepted inputs growing to about \(largest) of \(maxInputTokens) tokens.")
    }
}
