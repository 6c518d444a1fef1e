import Foundation
import TollgateCore
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// The simulator's request handling: parses OpenAI requests, plans each response and writes it on
/// its schedule. Shared by all connections; its mutable state is behind locks.
final class SimulatorRoutes: Sendable {
    let profile: SimulatorProfile
    private let answers: AnswerBook
    private let embedder: Embedder
    private let occurrences = NIOLockedValueBox<[String: Int]>([:])
    private let schedules = NIOLockedValueBox<[String: [Double]]>([:])
    private let counter = NIOLockedValueBox<Int>(0)
    /// The vLLM-compatible series served at `/metrics`.
    let metrics: VLLMMetrics
    private let serving: ServingGate

    init(profile: SimulatorProfile) {
        self.profile = profile
        metrics = VLLMMetrics(models: profile.models)
        answers = AnswerBook(profile: profile)
        embedder = Embedder(dimensions: profile.embeddingDimensions, seed: profile.seed)
        serving = ServingGate(serving: profile.serving)
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health") { [self] _, _ in
            serving.isReady ? json(.ok, #"{"status":"ok"}"#) : json(.serviceUnavailable, #"{"status":"loading model"}"#)
        }
        router.get("/v1/models") { [self] _, _ in
            json(.ok, OpenAIBodies.models(profile.models, created: 1_700_000_000))
        }
        router.get("/v1/models/:id") { [self] _, context in
            let id = context.parameters.get("id") ?? ""
            guard profile.models.contains(id) else {
                return json(.notFound, OpenAIBodies.error(message: "The model '\(id)' does not exist", type: "invalid_request_error", code: "model_not_found"))
            }
            return json(.ok, OpenAIBodies.model(id, created: 1_700_000_000))
        }
        router.post("/v1/chat/completions") { [self] request, _ in counted(try await generate(request, kind: .chat), "/v1/chat/completions") }
        router.post("/v1/completions") { [self] request, _ in counted(try await generate(request, kind: .completion), "/v1/completions") }
        router.post("/v1/embeddings") { [self] request, _ in counted(try await generate(request, kind: .embedding), "/v1/embeddings") }
        registerMetrics(on: router)
        if profile.recordSchedule {
            // Benchmarks read the write times of every content chunk, keyed by x-request-id.
            router.get("/sim/schedule") { [self] _, _ in
                let all = schedules.withLockedValue { $0 }
                let items = all.map { id, times in
                    OpenAIBodies.quote(id) + ":[" + times.map { String(format: "%.4f", $0) }.joined(separator: ",") + "]"
                }
                return json(.ok, "{" + items.joined(separator: ",") + "}")
            }
        }
    }

    /// Milliseconds after arrival at which each content chunk of `requestID` was written.
    func schedule(requestID: String) -> [Double]? {
        schedules.withLockedValue { $0[requestID] }
    }

    private func json(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private func generate(_ incoming: Request, kind: SimulatedRequest.Kind) async throws -> Response {
        let arrival = ContinuousClock.now
        guard serving.isReady else { return loading() }
        var request = incoming
        let body = try await request.collectBody(upTo: 16 << 20)
        let requestID = request.headers[HTTPField.Name("x-request-id")!]
        if profile.dialect == .llamaCpp, let requestID, UUID(uuidString: requestID) == nil {
            // llama-cpp-python's request-id middleware (starlette-context) refuses it before
            // reading the body, and says nothing.
            return Response(status: .badRequest)
        }
        let parsed: SimulatedRequest
        switch SimulatedRequest.parse(Data(body.readableBytesView), kind: kind) {
        case .success(let value): parsed = value
        case .failure(let failure):
            return json(.badRequest, OpenAIBodies.error(message: failure.message, type: "invalid_request_error", code: nil))
        }
        let model = parsed.model ?? profile.models[0]
        let key = requestID ?? parsed.prompt
        let occurrence = occurrences.withLockedValue { table -> Int in
            let n = table[key, default: 0]
            table[key] = n + 1
            return n
        }
        var random = SeededRandom(seed: profile.seed, keys: "request", key, String(occurrence))
        var fault = drawFault(&random)
        if let header = request.headers[HTTPField.Name("x-sim-fault")!], let forced = SimulatedFault.parseHeader(header) {
            fault = occurrence < (forced.times ?? .max) ? forced.fault : nil
        }
        if profile.rejectUnknownModels, let asked = parsed.model, !profile.models.contains(asked) {
            fault = .modelNotFound
        }
        if let max = profile.maxInputTokens, parsed.inputTokens > max, fault != .modelNotFound {
            fault = .contextLength
        }
        if let response = errorResponse(for: fault, model: model, inputTokens: parsed.inputTokens) {
            return response
        }
        // The capacity model: wait for a slot (or be refused), then the prefill starts.
        guard let lease = await serving.acquire() else { return queueFull() }
        let start = serving.serving.capacity == nil ? arrival : ContinuousClock.now
        let queueMs = Self.ms(start - arrival)
        let prefillScale = serving.nextPrefillScale()
        if kind == .embedding {
            var vectors = embedder
            if let dimensions = parsed.dimensions {
                guard dimensions <= profile.embeddingDimensions else {
                    return json(.badRequest, OpenAIBodies.error(
                        message: "This model does not support 'dimensions' above \(profile.embeddingDimensions); got \(dimensions).",
                        type: "invalid_request_error", code: nil))
                }
                vectors = Embedder(dimensions: dimensions, seed: profile.seed)
            }
            return json(.ok, OpenAIBodies.embeddings(model: model, vectors: parsed.inputs.map(vectors.embed),
                                                     promptTokens: parsed.inputTokens, base64: parsed.base64))
        }
        let plan = ResponsePlan(profile: profile, answers: answers, request: parsed, fault: fault, random: &random,
                                prefillScale: prefillScale)
        let metricModel = metrics.modelName(requested: parsed.model)
        metrics.started(model: metricModel)
        let serial = counter.withLockedValue { n -> Int in n += 1; return n }
        let context = StreamContext(
            id: (kind == .chat ? "chatcmpl-sim-" : "cmpl-sim-") + String(serial), model: model,
            created: Int(Date().timeIntervalSince1970), chat: kind == .chat, inputTokens: parsed.inputTokens,
            arrival: start, queueMs: queueMs, requestID: profile.recordSchedule ? requestID : nil, metricModel: metricModel)
        if parsed.stream {
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: ResponseBody { [self] writer in
                                _ = lease // the slot is held until the stream ends
                                defer { metrics.stopped(model: metricModel) }
                                try await stream(plan, context, includeUsage: parsed.includeUsage, choices: parsed.choices, to: &writer)
                            })
        }
        defer { metrics.stopped(model: metricModel) }
        let response = try await whole(plan, context, choices: parsed.choices)
        withExtendedLifetime(lease) {} // the slot is held until the answer is complete
        return response
    }

    private func drawFault(_ random: inout SeededRandom) -> SimulatedFault? {
        let u = random.unit()
        var cumulative = 0.0
        for (fault, rate) in profile.faults.ordered {
            cumulative += rate
            if u < cumulative { return fault }
        }
        return nil
    }

    private func errorResponse(for fault: SimulatedFault?, model: String, inputTokens: Int) -> Response? {
        switch fault {
        case .rateLimited:
            var headers = HTTPFields()
            headers[.retryAfter] = String(profile.faults.retryAfterSeconds)
            return json(.tooManyRequests, OpenAIBodies.error(
                message: "Rate limit reached for requests. Please try again in \(profile.faults.retryAfterSeconds)s.",
                type: "rate_limit_error", code: "rate_limit_exceeded"), headers: headers)
        case .serverError:
            return json(.internalServerError, OpenAIBodies.error(
                message: "The server had an error while processing your request.", type: "server_error", code: nil))
        case .unavailable:
            return json(.serviceUnavailable, OpenAIBodies.error(
                message: "The server is overloaded or not ready yet.", type: "server_error", code: nil))
        case .outOfMemory:
            return json(.internalServerError, OpenAIBodies.error(
                message: "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 22.06 GiB total capacity).",
                type: "server_error", code: "out_of_memory"))
        case .contextLength:
            let max = profile.maxInputTokens ?? 0
            return json(.badRequest, OpenAIBodies.error(
                message: "This model's maximum context length is \(max) tokens. However, your messages resulted in \(inputTokens) tokens. Please reduce the length of the messages.",
                type: "invalid_request_error", code: "context_length_exceeded"))
        case .modelNotFound:
            return json(.notFound, OpenAIBodies.error(
                message: "The model `\(model)` does not exist or you do not have access to it.",
                type: "invalid_request_error", code: "model_not_found"))
        case .streamCut, .stallFirstToken, .stallMidStream, .malformed, nil:
            return nil
        }
    }

    struct StreamContext: Sendable {
        var id: String
        var model: String
        var created: Int
        var chat: Bool
        var inputTokens: Int
        /// When the prefill began: the request's arrival, or the moment it got a slot of the capacity model.
        var arrival: ContinuousClock.Instant
        /// How long it waited for that slot (0 without a capacity model): vLLM's queue time.
        var queueMs: Double
        var requestID: String?
        /// The `model_name` label of this request's series at `/metrics`.
        var metricModel: String
    }

    private struct CutStream: Error {}

    private func stream(_ plan: ResponsePlan, _ c: StreamContext, includeUsage: Bool, choices: Int,
                        to writer: inout any ResponseBodyWriter) async throws {
        func event(_ json: String) -> ByteBuffer { ByteBuffer(string: "data: \(json)\n\n") }
        let dialect = profile.dialect
        if c.chat {
            for index in 0..<choices {
                let start = plan.toolName.map { OpenAIBodies.toolCallStart(id: OpenAIBodies.toolCallID(c.id, index: index), name: $0) }
                    ?? #"{"role":"assistant","content":""}"#
                try await writer.write(event(OpenAIBodies.chatChunk(id: c.id, model: c.model, created: c.created, delta: start, finish: nil, index: index)))
            }
        }
        var shiftMs = plan.fault == .stallFirstToken ? plan.stallMs : 0
        var written: [Double] = []
        written.reserveCapacity(plan.tokens.count)
        var timing = TokenTiming()
        for (i, token) in plan.tokens.enumerated() {
            if i == plan.faultIndex {
                switch plan.fault {
                case .stallMidStream: shiftMs += plan.stallMs
                case .streamCut: return try await cut(dialect, &writer)
                case .malformed: try await writer.write(ByteBuffer(string: "data: {\"choices\": [{\"delta\": \n\n"))
                default: break
                }
            }
            try await Task.sleep(until: c.arrival.advanced(by: .microseconds(Int64((plan.dueMs[i] + shiftMs) * 1000))), clock: .continuous)
            let delta = plan.toolName == nil ? #"{"content":\#(OpenAIBodies.quote(token))}"# : OpenAIBodies.toolCallArguments(token)
            var chunks = ""
            for index in 0..<choices {
                chunks += "data: " + (c.chat
                    ? OpenAIBodies.chatChunk(id: c.id, model: c.model, created: c.created, delta: delta, finish: nil, index: index)
                    : OpenAIBodies.completionChunk(id: c.id, model: c.model, created: c.created, text: token, finish: nil, index: index)) + "\n\n"
            }
            try await writer.write(ByteBuffer(string: chunks))
            let at = Self.ms(since: c.arrival)
            timing.wrote(atMs: at)
            if c.requestID != nil { written.append(at) }
        }
        if plan.tokens.isEmpty, plan.fault == .streamCut { return try await cut(dialect, &writer) }
        func finish(_ index: Int) -> String {
            c.chat
                ? OpenAIBodies.chatChunk(id: c.id, model: c.model, created: c.created, delta: "{}", finish: plan.finishReason, index: index)
                : OpenAIBodies.completionChunk(id: c.id, model: c.model, created: c.created, text: "", finish: plan.finishReason, index: index)
        }
        // Every choice but the last ends here; the last one's finish chunk carries the dialect's tail.
        let others = (0..<(choices - 1)).map { "data: \(finish($0))\n\n" }.joined()
        var final = finish(choices - 1)
        let usage = OpenAIBodies.usage(prompt: c.inputTokens, completion: plan.tokens.count * choices)
        var tail: String
        switch dialect {
        case .openai:
            tail = others + "data: \(final)\n\n"
            if includeUsage {
                tail += "data: \(OpenAIBodies.usageChunk(id: c.id, model: c.model, created: c.created, chat: c.chat, usage: usage))\n\n"
            }
            tail += "data: [DONE]\n\n"
        case .transformers:
            final.removeLast()
            final += #","usage":\#(usage)}"#
            tail = others + "data: \(final)\n\n"
        case .llamaCpp:
            tail = others + "data: \(final)\n\ndata: [DONE]\n\n"
        }
        try await writer.write(ByteBuffer(string: tail))
        metrics.finished(timing.finished(model: c.metricModel, e2eMs: Self.ms(since: c.arrival), queueMs: c.queueMs, promptTokens: c.inputTokens,
                                         generationTokens: plan.tokens.count * choices, finishReason: plan.finishReason))
        if let id = c.requestID { schedules.withLockedValue { $0[id] = written } }
        try await writer.finish(nil)
    }

    /// Ends a stream early: llama.cpp sends `[DONE]` without a finish reason, others drop the connection.
    private func cut(_ dialect: SimulatorProfile.Dialect, _ writer: inout any ResponseBodyWriter) async throws {
        guard dialect == .llamaCpp else { throw CutStream() }
        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        try await writer.finish(nil)
    }

    private func whole(_ plan: ResponsePlan, _ c: StreamContext, choices: Int) async throws -> Response {
        let stall = plan.fault == .stallFirstToken || plan.fault == .stallMidStream ? plan.stallMs : 0
        let doneMs = (plan.dueMs.last ?? 0) + stall
        try await Task.sleep(until: c.arrival.advanced(by: .microseconds(Int64(doneMs * 1000))), clock: .continuous)
        let text = plan.tokens.joined()
        let usage = OpenAIBodies.usage(prompt: c.inputTokens, completion: plan.tokens.count * choices)
        let body = c.chat
            ? OpenAIBodies.chatCompletion(id: c.id, model: c.model, created: c.created, text: text, finish: plan.finishReason, usage: usage,
                                          toolName: plan.toolName, choices: choices)
            : OpenAIBodies.completion(id: c.id, model: c.model, created: c.created, text: text, finish: plan.finishReason, usage: usage, choices: choices)
        switch plan.fault {
        case .malformed:
            return json(.ok, String(body.prefix(body.count / 2)))
        case .streamCut:
            let bytes = ByteBuffer(string: body)
            let half = bytes.getSlice(at: 0, length: bytes.readableBytes / 2) ?? bytes
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(contentLength: bytes.readableBytes) { writer in
                                try await writer.write(half)
                                throw CutStream()
                            })
        default:
            metrics.finished(TokenTiming.whole(plan, stallMs: stall, model: c.metricModel, e2eMs: Self.ms(since: c.arrival),
                                               queueMs: c.queueMs, promptTokens: c.inputTokens, choices: choices))
            return json(.ok, body)
        }
    }

    private static func ms(since start: ContinuousClock.Instant) -> Double { ms(ContinuousClock.now - start) }

    private static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
