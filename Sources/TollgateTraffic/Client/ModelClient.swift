public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import TollgateCore

/// One attempt of a request, kept so retries are visible (the ``Sample`` holds the last one).
public struct AttemptRecord: Sendable, Equatable {
    public init(startedAt: Date, durationMs: Double, httpStatus: Int? = nil, errorClass: ErrorClass? = nil, backoffMs: Double? = nil) {
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.httpStatus = httpStatus
        self.errorClass = errorClass
        self.backoffMs = backoffMs
    }

    public var startedAt: Date
    public var durationMs: Double
    public var httpStatus: Int?
    public var errorClass: ErrorClass?
    /// The wait before the next attempt, when there was one.
    public var backoffMs: Double?
}

/// The outcome of ``ModelClient/send(_:requestID:arm:tags:)``: the measured sample and every attempt.
public struct ModelResult: Sendable {
    public var sample: Sample
    public var attempts: [AttemptRecord]
    /// The request failed because the calling task was cancelled (our own shutdown, a stage cut
    /// short by an operator), not because of the server: it is no measurement, and replays drop it.
    public var cancelled: Bool

    public init(sample: Sample, attempts: [AttemptRecord], cancelled: Bool = false) {
        self.sample = sample
        self.attempts = attempts
        self.cancelled = cancelled
    }
}

/// Sends OpenAI-compatible requests to one model endpoint and measures them token by token.
///
/// It never throws for what a server does: every failure becomes a ``Sample`` with an
/// ``ErrorClass``. Timing of a retried request is that of its last attempt; earlier attempts are
/// in ``ModelResult/attempts``.
public struct ModelClient: Sendable {
    public let httpClient: HTTPClient
    public let endpoint: ModelEndpoint
    public let timeouts: ClientTimeouts
    public let retry: RetryPolicy
    /// Keep the answer text in ``Sample/responseText`` (evals need it; load tests do not).
    public let keepResponseText: Bool
    /// Parsed once: URL parsing per request is measurable at thousands of requests a second.
    private let requestURL: URL?

    public init(httpClient: HTTPClient, endpoint: ModelEndpoint, timeouts: ClientTimeouts = ClientTimeouts(),
                retry: RetryPolicy = .none, keepResponseText: Bool = false) {
        self.httpClient = httpClient
        self.endpoint = endpoint
        self.timeouts = timeouts
        self.retry = retry
        self.keepResponseText = keepResponseText
        requestURL = URL(string: endpoint.requestURL)
    }

    /// The process's shared HTTP client, sized for `concurrency` simultaneous requests per host
    /// (AsyncHTTPClient's default of 8 connections per host queues the rest and inflates TTFT).
    /// The caller shuts it down with `try await client.shutdown()`.
    public static func makeHTTPClient(concurrency: Int, connectTimeout: Duration = .seconds(10)) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, concurrency))
        // Connect failures surface at once and are retried by RetryPolicy, so each is recorded.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .nanoseconds(connectTimeout.components.seconds * 1_000_000_000
            + connectTimeout.components.attoseconds / 1_000_000_000))
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The body actually sent: the endpoint's model id written in, and `stream_options.include_usage`
    /// asked for when streaming.
    public func prepare(_ body: JSONValue) -> JSONValue {
        var body = body
        if let model = endpoint.model { body["model"] = .string(model) }
        if endpoint.api != .embeddings, body["stream"]?.boolValue == true {
            var options = body["stream_options"] ?? .object([:])
            if options.objectValue == nil { options = .object([:]) }
            options["include_usage"] = .bool(true)
            body["stream_options"] = options
        }
        return body
    }

    /// Sends `body` (retrying as ``retry`` allows) and returns the measured sample.
    public func send(_ body: JSONValue, requestID: String, arm: Arm, tags: [String] = []) async -> ModelResult {
        let payload = Data(prepare(body).jsonText.utf8)
        var attempts: [AttemptRecord] = []
        var jitter = SystemRandomNumberGenerator()
        while true {
            let outcome = await attempt(payload, requestID: requestID, arm: arm, tags: tags)
            var sample = outcome.sample
            attempts.append(AttemptRecord(startedAt: sample.startedAt, durationMs: outcome.durationMs,
                                          httpStatus: sample.httpStatus, errorClass: sample.errorClass))
            sample.attempts = attempts.count
            if sample.errorClass != nil, Task.isCancelled {
                return ModelResult(sample: sample, attempts: attempts, cancelled: true)
            }
            guard RetryPolicy.isRetryable(sample.errorClass, status: sample.httpStatus),
                  attempts.count < retry.maxAttempts,
                  let wait = retry.delay(afterAttempt: attempts.count, retryAfter: Self.parseRetryAfter(outcome.retryAfter),
                                         unit: Double.random(in: 0..<1, using: &jitter))
            else {
                return ModelResult(sample: sample, attempts: attempts)
            }
            attempts[attempts.count - 1].backoffMs = DurationText.seconds(wait) * 1000
            do {
                try await Task.sleep(for: wait)
            } catch {
                return ModelResult(sample: sample, attempts: attempts, cancelled: true)
            }
        }
    }

    /// `Retry-After` as seconds or an HTTP date.
    static func parseRetryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSinceNow) * 1000))
    }

    /// One attempt's sample, how long it took, and its `Retry-After` header.
    private struct AttemptResult {
        var sample: Sample
        var durationMs: Double
        var retryAfter: String?
    }

    private func attempt(_ payload: Data, requestID: String, arm: Arm, tags: [String]) async -> AttemptResult {
        let startedAt = Date()
        let clock = ContinuousClock.now
        func elapsedMs() -> Double { DurationText.seconds(ContinuousClock.now - clock) * 1000 }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "application/json, text/event-stream")
        // Servers validate this header (llama.cpp's answers 400 to a non-UUID): see WireRequestID.
        headers.add(name: "x-request-id", value: WireRequestID.uuid(for: requestID))
        if let key = endpoint.apiKey { headers.add(name: "authorization", value: "Bearer \(key)") }
        for (name, value) in endpoint.headers { headers.replaceOrAdd(name: name, value: value) }
        let request: HTTPClient.Request
        do {
            guard let url = requestURL else { throw TrafficError.invalidEndpoint(endpoint.url) }
            request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .data(payload))
        } catch {
            let sample = Sample(requestID: requestID, arm: arm, startedAt: startedAt, errorClass: .connect,
                                errorMessage: "The endpoint URL \(endpoint.requestURL) cannot be used: \(error).", tags: tags)
            return AttemptResult(sample: sample, durationMs: elapsedMs())
        }
        let eventLoop = httpClient.eventLoopGroup.next()
        let delegate = TimedResponseDelegate(eventLoop: eventLoop, timeouts: timeouts, keepText: keepResponseText)
        let deadline = NIODeadline.now() + .nanoseconds(Int64(DurationText.seconds(timeouts.total) * 1e9) + 50_000_000)
        let task = httpClient.execute(request: request, delegate: delegate,
                                      eventLoop: .delegate(on: eventLoop), deadline: deadline)
        let failure: (any Error)?
        let observation: AttemptObservation
        do {
            // The observation comes back with the future on success: no extra event-loop hop.
            observation = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            failure = nil
        } catch {
            failure = error
            observation = (try? await eventLoop.submit { delegate.snapshot() }.get()) ?? AttemptObservation()
        }
        let outcome = AttemptOutcome(observation: observation, failure: failure, keepText: keepResponseText,
                                     timeouts: timeouts, api: endpoint.api)
        // Through a router, the version that answered is the one its `x-tollgate-arm` names.
        let served = observation.servedBy.flatMap(Arm.init(rawValue:)) ?? arm
        var sample = outcome.sample(requestID: requestID, arm: served, startedAt: startedAt)
        sample.tags = tags
        // A server may quote the key back ("invalid key …"): it never goes further than this.
        if let key = endpoint.apiKey {
            sample.errorMessage = SecretScrubbing.scrub(sample.errorMessage, removing: [key])
            sample.responseText = SecretScrubbing.scrub(sample.responseText, removing: [key])
        }
        return AttemptResult(sample: sample, durationMs: elapsedMs(), retryAfter: observation.retryAfter)
    }
}
