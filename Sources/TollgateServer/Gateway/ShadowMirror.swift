import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TollgateCore

/// Sends shadow copies of user requests to the candidate, measures the answers and throws them
/// away, without ever slowing or failing the user's request.
///
/// A copy is offered only after the user's request has finished (so its body is complete and
/// the primary never waits). ``offer(_:)`` never blocks: the queue holds at most
/// `capacity` copies and further ones are dropped and counted; at most `concurrency` copies are
/// in flight at once. Each copy's sample has arm `shadow` and the user request's id, so the
/// pair can be compared.
final class ShadowMirror: Sendable {
    /// One copy waiting to be sent.
    struct Job: Sendable {
        var requestID: String
        var method: HTTPMethod
        var pathAndQuery: String
        var headers: HTTPHeaders
        /// The user's whole body (copied while it streamed upstream).
        var body: ByteBuffer
        /// Whether the user's request had a body (an empty one is still sent as one).
        var hasBody: Bool
    }

    private let queue: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let configuration: GatewayConfiguration
    private let client: HTTPClient
    private let metrics: GatewayMetrics
    private let samples: SampleBatchWriter?

    init(configuration: GatewayConfiguration, client: HTTPClient, metrics: GatewayMetrics, samples: SampleBatchWriter?) {
        (queue, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(configuration.mirrorQueueCapacity))
        self.configuration = configuration
        self.client = client
        self.metrics = metrics
        self.samples = samples
    }

    /// Queues a copy, or drops it when the queue is full.
    func offer(_ job: Job) {
        switch continuation.yield(job) {
        case .enqueued: metrics.mirror { $0.enqueued += 1 }
        case .dropped, .terminated: metrics.mirror { $0.dropped += 1 }
        @unknown default: metrics.mirror { $0.dropped += 1 }
        }
    }

    /// Sends queued copies, `mirrorConcurrency` at a time, until the task is cancelled.
    func run() async {
        let limit = configuration.mirrorConcurrency
        await withDiscardingTaskGroup { group in
            var running = 0
            let (done, doneContinuation) = AsyncStream.makeStream(of: Void.self)
            var doneIterator = done.makeAsyncIterator()
            for await job in queue {
                while running >= limit {
                    guard await doneIterator.next() != nil else { return }
                    running -= 1
                }
                running += 1
                group.addTask {
                    await self.send(job)
                    doneContinuation.yield()
                }
            }
            doneContinuation.finish()
        }
    }

    /// Stops accepting copies; ``run()`` returns once the queue is empty.
    func finish() { continuation.finish() }

    private func send(_ job: Job) async {
        let candidate = configuration.candidate
        var request = HTTPClientRequest(url: candidate.url(forPath: job.pathAndQuery))
        request.method = job.method
        request.headers = job.headers
        if job.hasBody { request.body = .bytes(job.body) }

        metrics.requestStarted(.shadow)
        var meter = ResponseMeter(requestID: job.requestID, arm: .shadow, startedAt: Date(), start: .now,
                                  api: InferencePath.inference(InferencePath.path(ofURI: job.pathAndQuery))?.api)
        do {
            let response = try await client.execute(request, deadline: .now() + TimeAmount(configuration.responseTimeout))
            meter.head(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"))
            do {
                for try await chunk in response.body { meter.observe(chunk) }
                meter.finish(upstreamError: nil)
            } catch {
                meter.finish(upstreamError: UpstreamFailure.midStream(error), message: "The shadow stream broke: \(error).")
            }
        } catch {
            let failure = UpstreamFailure(error, arm: .shadow, upstream: candidate.origin)
            meter.failedBeforeResponse(failure.errorClass, status: failure.status, message: failure.message)
        }
        metrics.requestFinished(meter.sample)
        metrics.mirror { $0.completed += 1 }
        samples?.submit(meter.sample)
    }
}
