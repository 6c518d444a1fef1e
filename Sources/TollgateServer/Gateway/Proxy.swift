import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import TollgateCore

/// Forwards one client request to the arm the split chooses and streams the answer back while
/// measuring it. Shared by all requests; its mutable state lives in the split, metrics, mirror
/// and sample writer it holds.
struct Proxy: Sendable {
    let configuration: GatewayConfiguration
    let client: HTTPClient
    let split: TrafficSplit
    let metrics: GatewayMetrics
    let mirror: ShadowMirror
    let samples: SampleBatchWriter?

    static let armHeader = HTTPField.Name("x-tollgate-arm")!
    /// Largest known-length answer sent in one write when it arrives in one read.
    static let singleWriteLimit = 64 << 10
    static let requestIDHeader = HTTPField.Name("x-request-id")!

    func forward(_ request: Request, clientAddress: String?) async -> Response {
        let requestID = request.headers[Self.requestIDHeader] ?? UUID().uuidString.lowercased()
        let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
        if let declaredLength, declaredLength > configuration.maxBodyBytes {
            return tooLarge()
        }
        let measured = InferencePath.matches(method: request.method, path: request.uri.path)
        let hasBody = declaredLength.map { $0 > 0 } ?? (request.headers[.transferEncoding] != nil)
        // The one reader of the client's body; every path below releases it before the server moves on.
        let body = BodySource(request.body, limit: configuration.maxBodyBytes)

        // Stickiness: a header, else the `user` field within the first bytes of the body.
        var stickyKey = configuration.stickiness.header.flatMap { HTTPField.Name($0) }.flatMap { request.headers[$0] }
        if stickyKey == nil, configuration.stickiness.userField, hasBody {
            var scanner = UserFieldScanner()
            do {
                try await body.peek(with: &scanner, maxBytes: configuration.stickiness.peekBytes)
            } catch {
                await body.release()
                if body.exceededLimit { return tooLarge() }
                return gatewayAnswer(status: 400, message: "The request body could not be read: \(error).", code: "bad_request", arm: nil)
            }
            stickyKey = scanner.user
        }
        if configuration.stickiness.isEnabled, stickyKey == nil, measured { metrics.stickyMiss() }

        let weights = split.weights
        let arm = ArmSelector.choose(candidatePercent: weights.candidate, stickyKey: stickyKey)
        let mirrored = measured && arm == .baseline && ArmSelector.shouldMirror(mirrorPercent: weights.mirror)
        if mirrored { body.keepCopy() }

        let upstream = arm == .candidate ? configuration.candidate : configuration.baseline
        var outbound = HTTPClientRequest(url: upstream.url(forPath: request.uri.description))
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        outbound.headers = HopByHopHeaders.upstreamRequestHeaders(request.headers, clientAddress: clientAddress, apiKey: upstream.apiKey)
        if hasBody {
            outbound.body = .stream(ForwardedBody(source: body), length: declaredLength.map { .known(Int64($0)) } ?? .unknown)
        }

        if measured { metrics.requestStarted(arm) }
        var meter = ResponseMeter(requestID: requestID, arm: arm, startedAt: Date(), start: .now, api: InferencePath.api(of: request.uri.path))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outbound, deadline: .now() + TimeAmount(configuration.responseTimeout))
        } catch {
            await body.release()
            if body.exceededLimit {
                // The client's fault, not the arm's: no sample, counted as rejected.
                if measured { metrics.requestAbandoned(arm) }
                return tooLarge()
            }
            let failure = UpstreamFailure(error, arm: arm, upstream: upstream.origin)
            meter.failedBeforeResponse(failure.errorClass, status: failure.status, message: failure.message)
            finish(meter.sample, measured: measured, mirror: nil)
            return gatewayAnswer(status: failure.status, message: failure.message, code: failure.errorClass.rawValue, arm: arm)
        }

        // The shadow copy; its body is filled in once the user's body was read to its end (after release).
        let mirrorJob: ShadowMirror.Job? = mirrored
            ? ShadowMirror.Job(requestID: requestID, method: outbound.method, pathAndQuery: request.uri.description,
                               headers: HopByHopHeaders.mirrorRequestHeaders(request.headers, clientAddress: clientAddress, apiKey: configuration.mirrorAPIKey),
                               body: ByteBuffer(), hasBody: hasBody)
            : nil
        let mirror = mirrorJob.map { PendingMirror(job: $0, body: body) }

        meter.head(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"))
        var fields = HopByHopHeaders.clientResponseHeaders(response.headers)
        fields[Self.armHeader] = arm.rawValue
        fields[Self.requestIDHeader] = requestID
        let contentLength = response.headers.first(name: "content-length").flatMap { Int($0) }
        let reader = UpstreamBodyReader(response.body)
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)

        // A small answer of known length usually arrives in one read: when it does, the head and
        // the body leave in one write (Hummingbird's single-buffer path) instead of three. Nothing
        // is held back: this waits only for the first read, which a streaming copy waits for too.
        var pending: ByteBuffer?
        if !meter.isStreaming, let contentLength, contentLength <= Self.singleWriteLimit {
            do {
                pending = try await reader.next()
                if let whole = pending, whole.readableBytes == contentLength, try await reader.next() == nil {
                    meter.observe(whole)
                    meter.finish(upstreamError: nil)
                    await body.release()
                    finish(meter.sample, measured: measured, mirror: mirror)
                    return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: whole))
                }
            } catch {
                meter.finish(upstreamError: UpstreamFailure.midStream(error), message: "The upstream stream broke: \(error).")
                await body.release()
                finish(meter.sample, measured: measured, mirror: mirror)
                let failure = UpstreamFailure(errorClass: .streamCut, status: 502, message: "The \(arm.rawValue) upstream broke off its answer.")
                return gatewayAnswer(status: failure.status, message: failure.message, code: failure.errorClass.rawValue, arm: arm)
            }
        }

        let proxy = self
        let responseBody = ResponseBody(contentLength: contentLength) { [meter, pending] writer in
            var meter = meter
            var pending = pending
            while true {
                let chunk: ByteBuffer?
                if let first = pending {
                    chunk = first
                    pending = nil
                } else {
                    do {
                        chunk = try await reader.next()
                    } catch {
                        meter.finish(upstreamError: UpstreamFailure.midStream(error), message: "The upstream stream broke: \(error).")
                        await body.release()
                        proxy.finish(meter.sample, measured: measured, mirror: mirror)
                        throw error
                    }
                }
                guard let chunk else { break }
                meter.observe(chunk)
                do {
                    try await writer.write(chunk)
                } catch {
                    meter.clientDisconnected()
                    await body.release()
                    proxy.finish(meter.sample, measured: measured, mirror: mirror)
                    throw error
                }
            }
            meter.finish(upstreamError: nil)
            await body.release()
            proxy.finish(meter.sample, measured: measured, mirror: mirror)
            try await writer.finish(nil)
        }
        return Response(status: status, headers: fields, body: responseBody)
    }

    /// Records a finished request and hands its shadow copy to the mirror. Only inference
    /// requests are measured; anything else (`GET /v1/models`…) is only counted as passed through.
    func finish(_ sample: Sample, measured: Bool, mirror pending: PendingMirror?) {
        guard measured else {
            metrics.passedThrough(sample.arm)
            return
        }
        metrics.requestFinished(sample)
        samples?.submit(sample)
        if let pending {
            if let job = pending.completed { mirror.offer(job) } else { metrics.mirror { $0.failed += 1 } }
        }
    }

    /// A shadow copy waiting for the end of the user's body.
    struct PendingMirror: Sendable {
        var job: ShadowMirror.Job
        let body: BodySource

        /// The job with the whole body; `nil` when the body never reached its end (the client
        /// broke off or passed the limit).
        var completed: ShadowMirror.Job? {
            guard job.hasBody else { return job }
            guard let copy = body.completeCopy else { return nil }
            var job = job
            job.body = copy
            return job
        }
    }

    private func tooLarge() -> Response {
        metrics.rejected(status: 413)
        return gatewayAnswer(status: 413, message: "The request body is larger than the gateway's limit of \(configuration.maxBodyBytes) bytes.", code: "body_too_large", arm: nil)
    }

    func gatewayAnswer(status: Int, message: String, code: String, arm: Arm?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let arm { headers[Self.armHeader] = arm.rawValue }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: UpstreamFailure.jsonBody(message: message, code: code, arm: arm)))
        )
    }
}

/// Reads an upstream answer's body chunk by chunk from wherever the gateway is: first in the
/// request handler, then in the response body writer.
///
/// `@unchecked Sendable`: its iterator is used by one task at a time (the handler, then the
/// response writer that runs after the handler returned), never concurrently.
final class UpstreamBodyReader: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ body: HTTPClientResponse.Body) { iterator = body.makeAsyncIterator() }

    func next() async throws -> ByteBuffer? { try await iterator.next() }
}

extension TimeAmount {
    /// A NIO time amount of the same length as `duration`.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
