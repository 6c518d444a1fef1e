import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateTraffic

/// `judge`: an LLM grades the answer against a rubric through a chat endpoint.
///
/// In `single` mode the judge gives a score in 1…`scale` (default 10), read by
/// ``JudgeParsing/score(in:scale:)``; the scorer's score is score/scale and it passes at
/// `min_score` (default 70% of the scale). In `pairwise` mode the judge sees the baseline's and the
/// candidate's answers twice, positions swapped (Zheng et al. 2023, "Judging LLM-as-a-judge",
/// position-bias mitigation); only a consistent verdict counts: the preferred arm scores 1, the
/// other 0, and a tie or an inconsistent pair scores 0.5 on both arms.
public struct JudgeScorer: Scorer {
    public var name: String
    public var weight: Double
    public var chat: JSONEndpoint
    public var model: String?
    public var rubric: String
    public var pairwise: Bool
    public var scale: Double
    public var minScore: Double
    /// Pairwise verdicts by case and repetition, so the two arms share one pair of judge calls.
    let verdicts = PairwiseVerdictCache()

    public init(name: String, weight: Double, chat: JSONEndpoint, model: String?, rubric: String,
                pairwise: Bool = false, scale: Double = 10, minScore: Double? = nil) {
        self.name = name
        self.weight = weight
        self.chat = chat
        self.model = model
        self.rubric = rubric
        self.pairwise = pairwise
        self.scale = scale
        self.minScore = minScore ?? scale * 0.7
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        if pairwise { return try await scorePairwise(input) }
        let reply = try await ask(singlePrompt(input))
        guard let raw = JudgeParsing.score(in: reply, scale: scale) else {
            return outcome(0, "The judge's reply holds no score: \(reply.prefix(120))", passed: false)
        }
        return outcome(raw / scale, "The judge scored \(Self.number(raw))/\(Self.number(scale)).", passed: raw >= minScore)
    }

    private func scorePairwise(_ input: ScoringInput) async throws -> ScorerOutcome {
        guard let other = input.otherAnswer else {
            return outcome(0.5, "No answer of the other version to compare with.", passed: true)
        }
        let (candidate, baseline) = input.arm == .baseline ? (other, input.answer) : (input.answer, other)
        let verdict = try await verdicts.verdict(for: input.sample.requestID) {
            let first = try await ask(pairPrompt(input.evalCase, a: candidate, b: baseline))
            let second = try await ask(pairPrompt(input.evalCase, a: baseline, b: candidate))
            return JudgeParsing.combine(candidateFirst: JudgeParsing.preference(in: first),
                                        candidateSecond: JudgeParsing.preference(in: second))
        }
        let mine: PairwiseVerdict.Winner = input.arm == .baseline ? .baseline : .candidate
        let consistency = verdict.consistent ? "consistent" : "inconsistent across the swapped orders, counted as a tie"
        switch verdict.winner {
        case .tie: return outcome(0.5, "The judge saw a tie (\(consistency)).", passed: true)
        case mine: return outcome(1, "The judge preferred this answer (\(consistency)).", passed: true)
        default: return outcome(0, "The judge preferred the other version's answer (\(consistency)).", passed: false)
        }
    }

    /// The prompt of single-answer grading.
    func singlePrompt(_ input: ScoringInput) -> String { Self.singlePrompt(rubric: rubric, scale: scale, input) }

    static func singlePrompt(rubric: String, scale: Double, _ input: ScoringInput) -> String {
        """
        You are grading an answer. Rubric: \(rubric)

        Question:
        \(input.evalCase.promptText)
        \(input.evalCase.expected.map { "\nReference answer:\n\($0)\n" } ?? "")
        Answer to grade:
        \(input.answer)

        Grade the answer from 1 to \(Self.number(scale)). End with a line "Score: N".
        """
    }

    /// The prompt of a pairwise comparison, `a` shown first.
    func pairPrompt(_ c: EvalCase, a: String, b: String) -> String { Self.pairPrompt(rubric: rubric, c, a: a, b: b) }

    static func pairPrompt(rubric: String, _ c: EvalCase, a: String, b: String) -> String {
        """
        Compare two answers to the same question. Rubric: \(rubric)

        Question:
        \(c.promptText)

        Answer A:
        \(a)

        Answer B:
        \(b)

        Which answer is better? End with a line "Winner: A", "Winner: B" or "Winner: tie".
        """
    }

    private func ask(_ prompt: String) async throws(EvalError) -> String {
        var body: [String: JSONValue] = [
            "messages": .array([.object(["role": .string("user"), "content": .string(prompt)])]),
            "temperature": .integer(0), "max_tokens": .integer(512),
        ]
        if let model { body["model"] = .string(model) }
        let reply = try await chat.postExpectingJSON(.object(body))
        guard let text = JSONEndpoint.answerText(reply) else {
            throw .endpointFailed(url: chat.url, reason: "the judge's answer has no choices[0].message.content.")
        }
        return text
    }

    static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}

/// Remembers each case's pairwise verdict (keyed by request id, which names the case and the
/// repetition) so that scoring the baseline's and the candidate's answer asks the judge once.
final class PairwiseVerdictCache: Sendable {
    private let state = VerdictTasks()

    actor VerdictTasks {
        var tasks: [String: Task<PairwiseVerdict, any Error>] = [:]

        func task(for key: String, _ make: @escaping @Sendable () async throws -> PairwiseVerdict) -> Task<PairwiseVerdict, any Error> {
            if let existing = tasks[key] { return existing }
            let task = Task { try await make() }
            tasks[key] = task
            return task
        }
    }

    func verdict(for key: String, _ make: @escaping @Sendable () async throws -> PairwiseVerdict) async throws -> PairwiseVerdict {
        try await state.task(for: key, make).value
    }
}

/// `similarity`: cosine similarity of the answer's embedding with the expected answer's (default)
/// or with the baseline's answer (`against: baseline`); passes at `min` (default 0.8). Scores below
/// zero count as 0.
public struct SimilarityScorer: Scorer {
    public var name: String
    public var weight: Double
    public var embeddings: EmbeddingsClient
    public var againstBaseline: Bool
    public var minimum: Double

    public init(name: String, weight: Double, embeddings: EmbeddingsClient, againstBaseline: Bool = false, minimum: Double = 0.8) {
        self.name = name
        self.weight = weight
        self.embeddings = embeddings
        self.againstBaseline = againstBaseline
        self.minimum = minimum
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        let reference = againstBaseline ? (input.arm == .baseline ? input.answer : input.baselineAnswer) : input.evalCase.expected
        guard let reference else {
            return outcome(0, againstBaseline ? "The baseline gave no answer to compare with." : "The case has no 'expected' answer.", passed: false)
        }
        let vectors = try await embeddings.embed([input.answer, reference])
        let cosine = EmbeddingsClient.cosine(vectors[0], vectors[1])
        return outcome(max(0, cosine), String(format: "Cosine similarity %.3f (minimum %.2f).", cosine, minimum), passed: cosine >= minimum)
    }
}

/// `latency`: the answer's TTFT or end-to-end time (`metric`, default `e2e_ms`) is at most `max_ms`.
public struct LatencyScorer: Scorer {
    public var name: String
    public var weight: Double
    public var maxMs: Double
    public var useTTFT: Bool

    public init(name: String, weight: Double, maxMs: Double, useTTFT: Bool = false) {
        self.name = name
        self.weight = weight
        self.maxMs = maxMs
        self.useTTFT = useTTFT
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        let label = useTTFT ? "TTFT" : "End-to-end time"
        guard let ms = useTTFT ? (input.sample.ttftMs ?? input.sample.e2eMs) : input.sample.e2eMs else {
            return outcome(0, "\(label) was not measured (the request failed).")
        }
        return ms <= maxMs ? outcome(1, "\(label) " + String(format: "%.0f ms ≤ %.0f ms.", ms, maxMs))
                           : outcome(0, "\(label) " + String(format: "%.0f ms > %.0f ms.", ms, maxMs))
    }
}

/// `cost`: input and output tokens priced per thousand (`per_1k_input_usd`, `per_1k_output_usd`)
/// cost at most `max_usd`.
public struct CostScorer: Scorer {
    public var name: String
    public var weight: Double
    public var maxUSD: Double
    public var inputPer1k: Double
    public var outputPer1k: Double

    public init(name: String, weight: Double, maxUSD: Double, inputPer1k: Double = 0, outputPer1k: Double = 0) {
        self.name = name
        self.weight = weight
        self.maxUSD = maxUSD
        self.inputPer1k = inputPer1k
        self.outputPer1k = outputPer1k
    }

    public func score(_ input: ScoringInput) async throws -> ScorerOutcome {
        let cost = Double(input.sample.inputTokens ?? 0) / 1000 * inputPer1k + Double(input.sample.outputTokens ?? 0) / 1000 * outputPer1k
        return cost <= maxUSD + 1e-12 ? outcome(1, String(format: "$%.6f ≤ $%.6f.", cost, maxUSD))
                                      : outcome(0, String(format: "$%.6f > $%.6f.", cost, maxUSD))
    }
}
