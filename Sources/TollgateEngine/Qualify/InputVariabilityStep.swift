import Foundation
import TollgateCore
import TollgateStats
import TollgateTraffic

extension QualificationRunner {
    /// TTFT and errors by input length up to `model.max_input_tokens`, one request just over the
    /// limit (it must get a classified `context_length` error), and unusual inputs.
    func inputVariability(tally: inout ErrorTally) async -> InputVariabilityResult {
        let v = config.inputVariability
        let limit = pipeline.model.maxInputTokens
        let scale = Double(limit ?? 4096)
        var buckets: [InputVariabilityResult.Bucket] = []
        var n = 0
        for fraction in v.fractions {
            let tokens = max(1, Int((fraction * scale).rounded()))
            say(.inputVariability, "\(tokens) input tokens × \(v.requestsPerBucket)")
            var ttfts: [Double] = []
            var errors: [String: Int] = [:]
            for _ in 0..<v.requestsPerBucket {
                n += 1
                let sample = await client.send(body(InputText.tokens(tokens), maxTokens: v.maxTokens), requestID: "qualify-input-\(n)", arm: arm).sample
                tally.add(sample.errorClass)
                if let c = sample.errorClass { errors[c.rawValue, default: 0] += 1 } else if let t = sample.ttftMs { ttfts.append(t) }
            }
            buckets.append(.init(inputTokens: tokens, requests: v.requestsPerBucket, succeeded: v.requestsPerBucket - errors.values.reduce(0, +),
                                 ttftP50Ms: ttfts.isEmpty ? nil : Descriptive.median(ttfts), errors: errors))
        }
        var overLimit: InputVariabilityResult.Probe?
        if let limit {
            let tokens = limit + max(16, limit / 20)
            say(.inputVariability, "\(tokens) input tokens (over the limit of \(limit))")
            let sample = await client.send(body(InputText.tokens(tokens), maxTokens: v.maxTokens), requestID: "qualify-over-limit", arm: arm).sample
            tally.add(sample.errorClass)
            overLimit = probe("just over max_input_tokens (\(tokens) tokens)", sample, handled: sample.errorClass == .contextLength)
        }
        var unusual: [InputVariabilityResult.Probe] = []
        for (name, text) in InputText.unusual(limit: limit) {
            n += 1
            let sample = await client.send(body(text, maxTokens: v.maxTokens), requestID: "qualify-input-\(n)", arm: arm).sample
            tally.add(sample.errorClass)
            let refusedCleanly = [ErrorClass.contextLength, .http4xx].contains(sample.errorClass)
            unusual.append(probe(name, sample, handled: sample.succeeded || refusedCleanly))
        }
        return InputVariabilityResult(maxInputTokens: limit, buckets: buckets, overLimit: overLimit, unusual: unusual)
    }

    private func probe(_ name: String, _ sample: Sample, handled: Bool) -> InputVariabilityResult.Probe {
        .init(name: name, status: sample.httpStatus, errorClass: sample.errorClass?.rawValue,
              message: sample.errorMessage.map { String($0.prefix(200)) }, handled: handled)
    }

    /// A request of the pipeline's API carrying `text` as its whole input.
    func body(_ text: String, maxTokens: Int) -> JSONValue {
        var body: JSONValue
        switch pipeline.model.api {
        case .chat:
            body = .object(["messages": .array([.object(["role": .string("user"), "content": .string(text)])])])
        case .completions:
            body = .object(["prompt": .string(text)])
        case .embeddings:
            body = .object(["input": .string(text)])
        }
        return pipeline.model.api == .embeddings ? body : overrides(maxTokens: maxTokens).apply(to: body)
    }
}

/// Inputs of a known length and unusual shapes.
enum InputText {
    /// About `n` tokens: " and" is one token for BPE tokenizers (Llama, GPT, SmolLM) and four bytes,
    /// one token by the four-bytes-a-token estimate.
    static func tokens(_ n: Int) -> String { String(repeating: " and", count: n) }

    /// Empty content, a long run of one character, and mixed scripts with emoji and combining marks.
    static func unusual(limit: Int?) -> [(String, String)] {
        let run = min(4000, max(64, (limit ?? 4096) / 2))
        return [
            ("empty content", ""),
            ("a run of \(run) identical characters", String(repeating: "a", count: run)),
            ("unicode (mixed scripts, emoji, combining marks)", "Grüße — 你好 — مرحبا — नमस्ते — 👋🏽🧑‍💻 — e\u{301}\u{302} — \u{200B}zero\u{200D}width"),
        ]
    }
}
