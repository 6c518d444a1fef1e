import Foundation
import TollgateCore

/// Decides the answer to a prompt: the matching case's answer (or its degraded form), or a
/// deterministic generated text, the same for the same prompt and seed in every run.
struct AnswerBook: Sendable {
    private let seed: UInt64
    private let cases: [String: SimulatorProfile.Case]
    private let degradedRate: Double
    private let length: SimulatorProfile.OutputLength

    init(profile: SimulatorProfile) {
        seed = profile.seed
        var byPrompt: [String: SimulatorProfile.Case] = [:]
        for c in profile.cases { byPrompt[Self.normalize(c.prompt)] = c }
        cases = byPrompt
        degradedRate = profile.degradedRate
        length = profile.outputTokens
    }

    /// The answer's tokens (each a word with its leading space, the way BPE tokenizers split text).
    func tokens(for prompt: String) -> [String] {
        let key = Self.normalize(prompt)
        var random = SeededRandom(seed: seed, keys: "degraded", key)
        let degraded = degradedRate > 0 && random.unit() < degradedRate
        if let c = cases[key] {
            let text = degraded ? (c.degraded ?? "I am not sure I can help with that.") : c.answer
            return Self.split(text)
        }
        var words = SeededRandom(seed: seed, keys: degraded ? "answer-degraded" : "answer", key)
        let drawn = words.lognormal(median: length.median, spread: length.spread)
        let count = min(max(Int(drawn.rounded()), length.min), length.max)
        return (0..<count).map { i in
            let word = Self.vocabulary[Int(words.next() % UInt64(Self.vocabulary.count))]
            return i == 0 ? word.capitalized : " " + word
        }
    }

    static func normalize(_ prompt: String) -> String {
        prompt.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Splits text into word tokens that concatenate back to the text.
    static func split(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for ch in text {
            if ch.isWhitespace, !current.isEmpty, !(current.last?.isWhitespace ?? false) {
                tokens.append(current)
                current = ""
            }
            current.append(ch)
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// Rough token count of an input: one token per four UTF-8 bytes, at least one.
    static func estimateTokens(_ text: String) -> Int {
        max(1, (text.utf8.count + 3) / 4)
    }

    private static let vocabulary: [String] = [
        "the", "model", "answer", "request", "token", "release", "canary", "stage", "latency", "quality",
        "server", "client", "stream", "version", "baseline", "candidate", "result", "measure", "value", "system",
        "data", "time", "check", "signal", "traffic", "rollout", "metric", "error", "support", "account",
        "order", "refund", "policy", "please", "thank", "you", "can", "will", "should", "would",
        "and", "or", "but", "with", "for", "from", "into", "about", "after", "before",
    ]
}
