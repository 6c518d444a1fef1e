public import AsyncHTTPClient
public import Foundation
public import TollgateCore
public import TollgateStore
public import TollgateTraffic

/// One arm of an eval: the version's label and the ``ModelEndpoint`` it is reached at (the
/// endpoint's `api` is the suite's: ``EvalRunner`` sends every case with the suite's API).
public struct EvalTarget: Sendable, Equatable {
    public var version: String
    public var endpoint: ModelEndpoint

    public init(version: String, endpoint: ModelEndpoint) {
        self.version = version
        self.endpoint = endpoint
    }

    /// A target at a base URL, with no API key.
    public init(version: String, url: String) {
        self.init(version: version, endpoint: ModelEndpoint(url: url))
    }

    /// A target from a pipeline's model version, reading its API key from the environment
    /// (``ModelEndpoint/init(version:api:modelName:environment:)``); a missing key is bad input.
    public init(_ version: ModelVersion, api: ModelAPI = .chat,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(EvalError) {
        self.init(version: version.version,
                  endpoint: try .eval(version, api: api, environment: environment, purpose: "the API key of version \(version.version)"))
    }
}

/// How an eval run is carried out.
public struct EvalOptions: Sendable {
    /// Repetitions of every case on both arms; `nil` uses the suite's `repeat`.
    public var repeats: Int?
    /// Requests in flight at once (over both arms).
    public var concurrency: Int
    public var confidence: Double
    /// When set, the candidate is probed with inputs growing to this many tokens.
    public var maxInputTokens: Int?
    public var timeouts: ClientTimeouts
    /// What of the answers is stored (scorers always see the raw answer; the store gets this policy's text).
    public var storedText: StoredTextPolicy

    public init(repeats: Int? = nil, concurrency: Int = 8, confidence: Double = 0.95, maxInputTokens: Int? = nil,
                timeouts: ClientTimeouts = ClientTimeouts(firstToken: .seconds(60), idle: .seconds(30), total: .seconds(180)),
                storedText: StoredTextPolicy = .standard) {
        self.storedText = storedText
        self.repeats = repeats
        self.concurrency = concurrency
        self.confidence = confidence
        self.maxInputTokens = maxInputTokens
        self.timeouts = timeouts
    }
}

/// Runs an eval suite against baseline and candidate on the same cases, scores every answer,
/// compares the two paired, checks compatibility and stores it all (run kind `eval`).
///
/// ```swift
/// let runner = EvalRunner(httpClient: client, store: store)
/// let result = try await runner.run(suite: suite, baseline: base, candidate: cand)
/// if result.quality.decision == .fail { … }
/// ```
public struct EvalRunner: Sendable {
    public let httpClient: HTTPClient
    public let store: RunStore?

    public init(httpClient: HTTPClient, store: RunStore? = nil) {
        self.httpClient = httpClient
        self.store = store
    }

    public func run(suite: EvalSuite, baseline: EvalTarget, candidate: EvalTarget,
                    options: EvalOptions = EvalOptions()) async throws(EvalError) -> EvalComparison {
        let started = Date()
        let cases = try EvalCaseReader.read(path: suite.cases)
        let factory = ScorerFactory(httpClient: httpClient, defaultEndpoint: baseline.endpoint.url)
        var built: [any Scorer] = []
        for config in suite.scorers { built.append(try factory.make(config)) }
        let scorers = built
        let repeats = max(1, options.repeats ?? suite.repeats)

        var jobs: [(EvalCase, Arm, Int)] = []
        for rep in 0..<repeats {
            for c in cases { jobs.append((c, .baseline, rep)); jobs.append((c, .candidate, rep)) }
        }
        let defaults = suite.requestDefaults
        let api = suite.api
        let answers: [CaseAnswer]
        do {
            answers = try await boundedMap(jobs, limit: options.concurrency) { [httpClient] job in
                let target = job.1 == .baseline ? baseline : candidate
                return await Self.ask(job.0, arm: job.1, repetition: job.2, target: target, api: api, defaults: defaults,
                                      httpClient: httpClient, timeouts: options.timeouts)
            }
        } catch {
            throw .endpointFailed(url: candidate.endpoint.url, reason: "\(error)")
        }

        let byKey = Dictionary(answers.map { ("\($0.arm.rawValue)/\($0.caseID)#\($0.repetition)", $0) }, uniquingKeysWith: { a, _ in a })
        let casesByID = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0) })
        let threshold = suite.passThreshold
        let scores: [CaseScore]
        do {
            scores = try await boundedMap(answers, limit: options.concurrency) { answer in
                let other = byKey["\(answer.arm == .baseline ? "candidate" : "baseline")/\(answer.caseID)#\(answer.repetition)"]
                let base = byKey["baseline/\(answer.caseID)#\(answer.repetition)"]
                let input = ScoringInput(evalCase: casesByID[answer.caseID]!, arm: answer.arm, sample: answer.sample,
                                         toolCalls: answer.toolCalls, baselineAnswer: base?.sample.responseText,
                                         otherAnswer: other?.sample.responseText)
                var outcomes: [ScorerOutcome] = []
                for scorer in scorers {
                    if answer.sample.succeeded {
                        outcomes.append(try await scorer.score(input))
                    } else {
                        outcomes.append(ScorerOutcome(scorer: scorer.name, score: 0, passed: false, weight: scorer.weight,
                                                      detail: "The request failed: \(answer.sample.errorClass?.rawValue ?? "error").")) 
                    }
                }
                return CaseScore.combine(caseID: answer.caseID, arm: answer.arm, repetition: answer.repetition, outcomes: outcomes,
                                         threshold: threshold, answer: answer.sample.responseText, errorClass: answer.sample.errorClass)
            }
        } catch let error as EvalError {
            throw error
        } catch {
            throw .endpointFailed(url: baseline.endpoint.url, reason: "\(error)")
        }

        let margin = suite.maxDrop.allowance(baseline: 1)
        let quality = try QualityComparator.compare(cases: cases, scores: scores, margin: margin, confidence: options.confidence)
        var checks = CompatibilityChecker.check(answers: answers, alpha: 1 - options.confidence)
        if let limit = options.maxInputTokens {
            let chat = JSONEndpoint(httpClient: httpClient, url: JSONEndpoint.url(base: candidate.endpoint.url, path: "/chat/completions"),
                                    apiKey: candidate.endpoint.apiKey)
            let steps = try await ContextProbe(chat: chat, model: candidate.endpoint.model, maxInputTokens: limit).run()
            checks.append(ContextProbe.check(steps, maxInputTokens: limit))
        } else {
            checks.append(CompatibilityCheck(name: "max_input_tokens", status: .skipped,
                                             detail: "No max_input_tokens given (--max-input-tokens or the pipeline's model.max_input_tokens)."))
        }
        var result = EvalComparison(suite: suite.name, runID: nil, baseline: baseline.version, candidate: candidate.version,
                                    repetitions: repeats, startedAt: started, finishedAt: Date(), quality: quality,
                                    compatibility: CompatibilityReport(checks: checks), scores: scores)
        if let store {
            result.runID = try EvalStorage.save(result, answers: answers, store: store, text: options.storedText)
        }
        return result
    }

    /// Sends one case to one arm: streamed through ``ModelClient`` (TTFT and chunk times measured),
    /// or, when the case offers tools, as one JSON request so the tool calls can be read.
    static func ask(_ c: EvalCase, arm: Arm, repetition: Int, target: EvalTarget, api: ModelAPI,
                    defaults: [String: JSONValue], httpClient: HTTPClient, timeouts: ClientTimeouts) async -> CaseAnswer {
        var body = c.body
        for (k, v) in defaults where body[k] == nil { body[k] = v }
        let requestID = "\(c.id)#\(repetition)"
        if c.offersTools {
            body["stream"] = .bool(false)
            if let model = target.endpoint.model { body["model"] = .string(model) }
            let url = JSONEndpoint.url(base: target.endpoint.url, path: api == .completions ? "/completions" : "/chat/completions")
            let call = JSONEndpoint(httpClient: httpClient, url: url, apiKey: target.endpoint.apiKey,
                                    timeout: .seconds(Int64(DurationText.seconds(timeouts.total))))
            let startedAt = Date()
            do {
                let reply = try await call.post(body)
                var sample = Sample(requestID: requestID, arm: arm, startedAt: startedAt, e2eMs: reply.elapsedMs,
                                    httpStatus: reply.status, bytes: reply.text.utf8.count, tags: c.tags)
                if (200..<300).contains(reply.status), let json = reply.body {
                    sample.responseText = JSONEndpoint.answerText(json) ?? ""
                    sample.finishReason = json["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue
                    sample.inputTokens = json["usage"]?["prompt_tokens"]?.intValue
                    sample.outputTokens = json["usage"]?["completion_tokens"]?.intValue
                    return CaseAnswer(caseID: c.id, arm: arm, repetition: repetition, sample: sample, toolCalls: ToolCall.parse(json))
                }
                let answer = HTTPErrorResponse.describe(status: reply.status, body: Data(reply.text.utf8))
                sample.errorClass = answer.errorClass
                sample.errorMessage = answer.message
                return CaseAnswer(caseID: c.id, arm: arm, repetition: repetition, sample: sample, toolCalls: [])
            } catch {
                let sample = Sample(requestID: requestID, arm: arm, startedAt: startedAt, errorClass: .connect,
                                    errorMessage: "\(error)", tags: c.tags)
                return CaseAnswer(caseID: c.id, arm: arm, repetition: repetition, sample: sample, toolCalls: [])
            }
        }
        if body["stream"] == nil { body["stream"] = .bool(true) }
        var endpoint = target.endpoint
        endpoint.api = api
        let client = ModelClient(httpClient: httpClient, endpoint: endpoint, timeouts: timeouts, keepResponseText: true)
        let result = await client.send(body, requestID: requestID, arm: arm, tags: c.tags)
        return CaseAnswer(caseID: c.id, arm: arm, repetition: repetition, sample: result.sample, toolCalls: [])
    }
}
