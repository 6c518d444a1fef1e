import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// The request body as the gateway sends it upstream: the bytes already read to find a sticky
/// key, then the rest of the client's stream, chunk by chunk as it arrives. It enforces the body
/// limit while streaming and, for a mirrored request, keeps a copy for the shadow request.
struct ForwardedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let source: BodySource

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: BodySource
        mutating func next() async throws -> ByteBuffer? { try await source.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source) }
}

/// The state behind a ``ForwardedBody``.
///
/// `@unchecked Sendable`: the mutable fields are touched by one task at a time only — the request
/// handler while it peeks, then the single upstream request that consumes the body (a request
/// body is iterated once, sequentially, by AsyncHTTPClient). The outcome flags other tasks read
/// afterwards sit behind a lock.
final class BodySource: @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator
    private var peeked: [ByteBuffer] = []
    private var received = 0
    private let limit: Int
    private var copy: ByteBuffer?
    private let outcome = NIOLockedValueBox(Outcome())

    struct Outcome {
        var exceededLimit = false
        var completeCopy: ByteBuffer?
        var finished = false
    }

    init(_ body: RequestBody, limit: Int) {
        self.iterator = body.makeAsyncIterator()
        self.limit = limit
    }

    /// Keeps a copy of everything for a shadow request; call before the body is consumed.
    func keepCopy() { copy = ByteBuffer() }

    /// Reads ahead until `scanner` is done or `maxBytes` have been read; what was read is replayed
    /// first by ``next()``.
    func peek(with scanner: inout UserFieldScanner, maxBytes: Int) async throws {
        var peekedBytes = 0
        while !scanner.isDone, peekedBytes < maxBytes, let chunk = try await nextFromClient() {
            peeked.append(chunk)
            peekedBytes += chunk.readableBytes
            scanner.feed(chunk.readableBytesView)
        }
    }

    func next() async throws -> ByteBuffer? {
        if !peeked.isEmpty { return peeked.removeFirst() }
        return try await nextFromClient()
    }

    private func nextFromClient() async throws -> ByteBuffer? {
        guard let chunk = try await iterator.next() else {
            let copy = self.copy
            outcome.withLockedValue { $0.finished = true; $0.completeCopy = copy }
            return nil
        }
        received += chunk.readableBytes
        if received > limit {
            outcome.withLockedValue { $0.exceededLimit = true }
            throw BodyTooLarge()
        }
        copy?.writeImmutableBuffer(chunk)
        return chunk
    }

    var exceededLimit: Bool { outcome.withLockedValue { $0.exceededLimit } }
    /// The whole body, once it has been read to its end (only when ``keepCopy()`` was called).
    var completeCopy: ByteBuffer? { outcome.withLockedValue { $0.finished ? $0.completeCopy : nil } }
}

/// Thrown into the upstream request when the client's body passes the limit.
struct BodyTooLarge: Error {}
