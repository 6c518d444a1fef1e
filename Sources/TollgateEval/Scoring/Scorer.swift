import Foundation
public import TollgateCore
import TollgateTraffic

/// What a scorer sees of one answer: the case, which arm answered, the measured sample (its text,
/// timings, tokens, finish reason) and, when the other arm answered the same case, its answer.
public struct ScoringInput: Sendable {
    public var evalCase: EvalCase
    public var arm: Arm
    public var sample: Sample
    /// Tool calls of the answer (non-streamed cases that offered tools), else empty.
    public var toolCalls: [ToolCall]
    /// The baseline's answer to the same case and repetition (for `similarity: against baseline`).
    public var baselineAnswer: String?
    /// The other arm's answer to the same case and repetition (for pairwise judging).
    public var otherAnswer: String?

    public init(evalCase: EvalCase, arm: Arm, sample: Sample, toolCalls: [ToolCall] = [],
                baselineAnswer: String? = nil, otherAnswer: String? = nil) {
        self.evalCase = evalCase
        self.arm = arm
        self.sample = sample
        self.toolCalls = toolCalls
        self.baselineAnswer = baselineAnswer
        self.otherAnswer = otherAnswer
    }

    /// The answer's text ("" when the request failed or the answer was a tool call only).
    public var answer: String { sample.responseText ?? "" }
}

/// One scorer's judgement of one answer: a score in 0…1, whether it passes on its own, and a
/// sentence saying why.
public struct ScorerOutcome: Sendable, Equatable, Codable {
    public var scorer: String
    public var score: Double
    public var passed: Bool
    public var weight: Double
    public var detail: String

    public init(scorer: String, score: Double, passed: Bool, weight: Double, detail: String) {
        self.scorer = scorer
        self.score = min(max(score, 0), 1)
        self.passed = passed
        self.weight = weight
        self.detail = detail
    }
}

/// Turns an answer into a score. One implementation per `type:` of an eval suite's scorers;
/// remote ones (judge, similarity) call an endpoint and may throw ``EvalError/endpointFailed(url:reason:)``.
/// The runner scores once both versions have answered, so ``ScoringInput`` always carries the
/// other version's answer to the same case and repetition.
public protocol Scorer: Sendable {
    var name: String { get }
    var weight: Double { get }
    func score(_ input: ScoringInput) async throws -> ScorerOutcome
}

extension Scorer {
    func outcome(_ score: Double, _ detail: String, passed: Bool? = nil) -> ScorerOutcome {
        ScorerOutcome(scorer: name, score: score, passed: passed ?? (score >= 1), weight: weight, detail: detail)
    }
}

/// A case's result on one arm and repetition: the weighted score of its scorers and pass/fail.
public struct CaseScore: Sendable, Equatable, Codable {
    public var caseID: String
    public var arm: Arm
    public var repetition: Int
    /// Σ weightᵢ·scoreᵢ / Σ weightᵢ over scorers with positive weight (0 when the request failed).
    public var score: Double
    /// `score ≥ pass_threshold` and the request succeeded.
    public var passed: Bool
    public var outcomes: [ScorerOutcome]
    public var answer: String?
    public var errorClass: ErrorClass?

    /// Combines scorer outcomes per the suite's weights and threshold. A failed request scores 0;
    /// scorers with weight 0 are reported but do not count.
    public static func combine(caseID: String, arm: Arm, repetition: Int, outcomes: [ScorerOutcome],
                               threshold: Double, answer: String?, errorClass: ErrorClass?) -> CaseScore {
        let weighted = outcomes.filter { $0.weight > 0 }
        let total = weighted.reduce(0) { $0 + $1.weight }
        var score = total > 0 ? weighted.reduce(0) { $0 + $1.weight * $1.score } / total : 0
        if errorClass != nil { score = 0 }
        // A tiny tolerance keeps 0.75 ≥ 0.75 true despite floating-point sums.
        let passed = errorClass == nil && score + 1e-12 >= threshold
        return CaseScore(caseID: caseID, arm: arm, repetition: repetition, score: score, passed: passed,
                         outcomes: outcomes, answer: answer, errorClass: errorClass)
    }
}
