import Foundation
import TollgateTraffic

/// Probes whether a model accepts inputs up to `max_input_tokens`: it first sends a short filler
/// input to learn how many tokens the server counts per filler word (from `usage.prompt_tokens`;
/// one per word when the server reports none), then inputs growing to 25%, 50%, 75% and 95% of the
/// limit (the margin leaves room for the chat template), each with `max_tokens: 1`.
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
        let calibrationWords = 64
        let calibration = try await send(words: calibrationWords)
        let overhead = 8.0
        var perWord = 1.0
        if let reported = calibration.reportedTokens, reported > Int(overhead) {
            perWord = max(0.2, (Double(reported) - overhead) / Double(calibrationWords))
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
