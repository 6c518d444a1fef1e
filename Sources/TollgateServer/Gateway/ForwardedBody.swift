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

/// The one reader of a client's request body, from the handler's first peek until
/// ``release()``.
///
/// The client's body is an iterator over the connection's inbound stream, which the server
/// (Hummingbird) reads again after the handler is done: to drain what is left of the body and to
/// read the next request on a keep-alive connection. Two readers at once, or a read after the
/// server moved on, violate the stream's preconditions and trap. AsyncHTTPClient reads the
/// upstream request's body in its own task, and may still be reading (or be about to read the
/// end) when the upstream's answer is already complete, so the handler cannot simply return.
/// Every path out of the handler therefore calls ``release()``: it closes the body to further
/// upstream reads, waits for a read in progress to finish, and reads the rest of the body to its
/// end itself (keeping the mirror copy complete). After it returns, nothing here touches the
/// iterator again.
///
/// `@unchecked Sendable`: the iterator and the buffers are touched only by the task holding the
/// `reading` flag (set and cleared under the lock), so by one task at a time; the flags other
/// tasks read sit behind the lock.
final class BodySource: @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator
    private var peeked: [ByteBuffer] = []
    private var received = 0
    private let limit: Int
    private var copy: ByteBuffer?
    private let state = NIOLockedValueBox(State())

    struct State {
        /// A read of the client's body is in progress.
        var reading = false
        /// The handler is done: upstream reads fail from now on.
        var released = false
        /// ``release()`` waiting for the read in progress.
        var waiter: CheckedContinuation<Void, Never>?
        var ended = false
        var exceededLimit = false
        var failed = false
        var completeCopy: ByteBuffer?
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
        while !scanner.isDone, peekedBytes < maxBytes, let chunk = try await read(forUpstream: false) {
            peeked.append(chunk)
            peekedBytes += chunk.readableBytes
            scanner.feed(chunk.readableBytesView)
        }
    }

    /// The next piece for the upstream request. Throws ``BodyReleased`` once the handler is done.
    func next() async throws -> ByteBuffer? {
        try await read(forUpstream: true)
    }

    /// Ends the upstream's access to the body and reads what is left of it, so that the server
    /// finds the body consumed. Call once, on every path out of the handler, before the server
    /// moves on (before the handler returns, or before a response body writer finishes).
    func release() async {
        let mustWait = state.withLockedValue { state -> Bool in
            state.released = true
            return state.reading
        }
        if mustWait {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    guard state.reading else { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        // Nobody else reads now: drain the rest (bounded by the limit; past it the server drains).
        while true {
            let done = state.withLockedValue { $0.ended || $0.exceededLimit || $0.failed }
            if done { break }
            guard (try? await readFromClient()) != nil else { break }
        }
        peeked = []
    }

    private func read(forUpstream: Bool) async throws -> ByteBuffer? {
        let allowed = state.withLockedValue { state -> Bool in
            guard !state.released, !state.reading else { return false }
            state.reading = true
            return true
        }
        guard allowed else { throw BodyReleased() }
        let result: Result<ByteBuffer?, any Error>
        if forUpstream, !peeked.isEmpty {
            result = .success(peeked.removeFirst())
        } else {
            do { result = .success(try await readFromClient()) } catch { result = .failure(error) }
        }
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.reading = false
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
        return try result.get()
    }

    /// One read of the client's stream; only called by the task that holds `reading`, or by
    /// ``release()`` after every other reader is gone.
    private func readFromClient() async throws -> ByteBuffer? {
        let chunk: ByteBuffer?
        do {
            chunk = try await iterator.next()
        } catch {
            state.withLockedValue { $0.failed = true }
            throw error
        }
        guard let chunk else {
            let copy = self.copy
            state.withLockedValue { $0.ended = true; $0.completeCopy = copy }
            return nil
        }
        received += chunk.readableBytes
        if received > limit {
            state.withLockedValue { $0.exceededLimit = true }
            copy = nil
            throw BodyTooLarge()
        }
        copy?.writeImmutableBuffer(chunk)
        return chunk
    }

    var exceededLimit: Bool { state.withLockedValue { $0.exceededLimit } }
    /// The whole body, once it has been read to its end (only when ``keepCopy()`` was called).
    var completeCopy: ByteBuffer? { state.withLockedValue { $0.ended ? $0.completeCopy : nil } }
}

/// Thrown into the upstream request when the client's body passes the limit.
struct BodyTooLarge: Error {}

/// Thrown into an upstream request that asks for more body after the handler is done with it.
struct BodyReleased: Error {}
