import Foundation
import TollgateCore

/// What the simulator will send for one generation request: the tokens, when each is due, and
/// the fault (if any), all drawn before the first byte is written.
struct ResponsePlan: Sendable {
    var tokens: [String]
    var finishReason: String
    /// Milliseconds after the request arrived at which each token is due (before any stall).
    var dueMs: [Double]
    var fault: SimulatedFault?
    var stallMs: Double
    /// The function called when the answer is a tool call (the tokens are its arguments' JSON).
    var toolName: String?

    init(profile: SimulatorProfile, answers: AnswerBook, request: SimulatedRequest,
         fault: SimulatedFault?, random: inout SeededRandom, prefillScale: Double = 1) {
        var tokens = answers.tokens(for: request.prompt)
        var finish = "stop"
        let text = tokens.joined().trimmingCharacters(in: .whitespaces)
        switch request.shape {
        case .text:
            break
        case .json(let schema):
            tokens = AnswerShape.pieces(AnswerShape.example(of: schema, text: text).jsonText)
        case .toolCall(let name, let parameters):
            tokens = AnswerShape.pieces(AnswerShape.example(of: parameters, text: text).jsonText)
            toolName = name
            finish = "tool_calls"
        }
        if let limit = request.maxTokens, limit >= 0, tokens.count > limit {
            tokens = Array(tokens.prefix(max(limit, 0)))
            finish = "length"
        }
        let prefillMedian = (profile.prefill.medianMs + profile.prefill.perInputTokenMs * Double(request.inputTokens)) * prefillScale
        var t = random.lognormal(median: prefillMedian, spread: profile.prefill.spread)
        var due: [Double] = []
        due.reserveCapacity(tokens.count)
        for i in tokens.indices {
            if i > 0 { t += random.lognormal(median: profile.decode.medianMs, spread: profile.decode.spread) }
            due.append(t)
        }
        self.tokens = tokens
        self.finishReason = finish
        self.dueMs = due
        self.fault = fault
        self.stallMs = profile.faults.stallMs
    }

    /// The index of the token at which a mid-stream fault happens.
    var faultIndex: Int { tokens.count / 2 }
}
