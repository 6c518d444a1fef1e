import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateStore
import TollgateTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `tollgate serve` against misbehaving clients, over loopback: rate limits per named token,
/// slow clients, the audit trail, and the retention schedule on a virtual clock.
@Suite(.serialized) struct ServiceHardeningTests {
    static let ops = "ops-\(UUID().uuidString)"
    static let alertmanager = "am-\(UUID().uuidString)"

    struct Harness {
        let folder: TemporaryFolder
        let store: RunStore
        let running: RunningService
        let client: HTTPClient

        init(rateLimit: RateLimiter.Limit? = nil, readTimeout: Duration = .seconds(10), clock: any EngineClock = SystemEngineClock(),
             retention: Duration? = nil, seed: ((RunStore) throws -> Void)? = nil) async throws {
            folder = try TemporaryFolder()
            store = try RunStore(path: folder.path("serve.db"))
            try seed?(store)
            let configuration = ServiceConfiguration(tokens: [.init(name: "ops", value: ServiceHardeningTests.ops),
                                                              .init(name: "alertmanager", value: ServiceHardeningTests.alertmanager)],
                                                     superviseRuns: false, rateLimit: rateLimit, readTimeout: readTimeout,
                                                     pruneInterval: .seconds(3600), retention: retention)
            running = try await TollgateService(configuration: configuration, store: store, clock: clock).start()
            client = HTTPClient(eventLoopGroupProvider: .singleton)
        }

        func request(_ method: HTTPMethod, _ path: String, token: String, body: String? = nil) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
            var request = HTTPClientRequest(url: running.baseURL + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await client.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), response.headers, String(buffer: bytes))
        }

        func stop() async {
            try? await client.shutdown()
            await running.stop()
            folder.remove()
        }
    }

    @Test func eachTokenHasItsOwnRateLimitAnd429SaysWhenToRetry() async throws {
        let h = try await Harness(rateLimit: .init(perSecond: 0.5, burst: 3))
        do {
            for _ in 0..<3 { #expect(try await h.request(.GET, "/v1/runs", token: Self.ops).status == 200) }
            let limited = try await h.request(.GET, "/v1/runs", token: Self.ops)
            #expect(limited.status == 429)
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
            #expect(limited.body.contains("rate_limited") && limited.body.contains("'ops'"))
            #expect(!limited.body.contains(Self.ops), "the token's value is never echoed")
            #expect(try await h.request(.GET, "/v1/runs", token: Self.alertmanager).status == 200, "another token is not limited")
        } catch { Issue.record(error) }
        await h.stop()
    }

    @Test func theGatewayAdminAPIIsRateLimitedByTheSameLimiter() async throws {
        try await GatewayHarness.with { h in
            let auth = [("authorization", "Bearer \(GatewayHarness.token)")]
            var limited: (status: Int, headers: HTTPHeaders, body: String)?
            // A burst of 40 is allowed; the bucket refills at 20 a second, slower than loopback requests.
            for _ in 0..<400 {
                let reply = try await h.send("/admin/stats", headers: auth)
                if reply.status == 429 { limited = reply; break }
                #expect(reply.status == 200)
            }
            let reply = try #require(limited, "no 429 after 400 requests")
            #expect(Int(reply.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
            #expect(reply.body.contains("rate_limited"))
        }
    }

    @Test func everyStateChangingCallIsAuditedUnderItsTokenName() async throws {
        let h = try await Harness()
        do {
            #expect(try await h.request(.POST, "/v1/runs/nope/rollback", token: Self.ops, body: #"{"reason":"x"}"#).status == 404)
            #expect(try await h.request(.POST, "/v1/alerts", token: Self.alertmanager, body: "{").status == 400)
            #expect(try await h.request(.GET, "/v1/runs", token: Self.ops).status == 200)
            let events = try h.store.auditEvents()
            #expect(events.count == 2, "reads are not audited: \(events)")
            #expect(events.contains { $0.token == "ops" && $0.method == "POST" && $0.path == "/v1/runs/nope/rollback" && $0.status == 404 })
            #expect(events.contains { $0.token == "alertmanager" && $0.path == "/v1/alerts" && $0.status == 400 })
            let bytes = PrivacyBytes.of(h.store.path)
            #expect(bytes.range(of: Data(Self.ops.utf8)) == nil && bytes.range(of: Data(Self.alertmanager.utf8)) == nil)
        } catch { Issue.record(error) }
        await h.stop()
    }

    @Test func namedTokensComeFromTheirVariablesAndErrorsNameNoValue() throws {
        let tokens = try ServiceTokens.named("ops:OPS_T, am:AM_T", environment: ["OPS_T": "s3cret-ops", "AM_T": "s3cret-am"])
        #expect(tokens.name(forAuthorization: "Bearer s3cret-am") == "am")
        #expect(tokens.name(forAuthorization: "Bearer s3cret-ops") == "ops")
        #expect(tokens.name(forAuthorization: "Bearer s3cret") == nil)
        #expect(throws: ServerError.self) { try ServiceTokens.named("ops:MISSING", environment: [:]) }
        #expect(throws: ServerError.self) { try ServiceTokens.named("ops", environment: [:]) }
        do {
            _ = try ServiceTokens.named("ops:A,ops:B", environment: ["A": "value-a", "B": "value-b"])
            Issue.record("a name given twice was accepted")
        } catch {
            #expect(!"\(error)".contains("value-a") && !"\(error)".contains("value-b"))
        }
    }

    /// Connects, sends `bytes`, and returns how long the server took to close the connection (nil: still open at `limit`).
    /// With `trickle`, one more byte is sent every `trickle` seconds (a slow body that never goes idle).
    static func secondsUntilClosed(port: Int, sending bytes: String, limit: Double, trickle: Double? = nil) -> (seconds: Double?, reply: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (nil, "connect failed") }
        _ = bytes.withCString { send(fd, $0, strlen($0), 0) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var reply = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var lastSent = start
        while Date().timeIntervalSince(start) < limit {
            if let trickle, Date().timeIntervalSince(lastSent) >= trickle {
                _ = send(fd, "1", 1, Int32(MSG_NOSIGNAL))
                lastSent = Date()
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return (Date().timeIntervalSince(start), String(decoding: reply, as: UTF8.self)) }
            if n > 0 { reply.append(contentsOf: buffer[0..<n]) }
            if n < 0, errno != EAGAIN, errno != EWOULDBLOCK { return (Date().timeIntervalSince(start), String(decoding: reply, as: UTF8.self)) }
        }
        return (nil, String(decoding: reply, as: UTF8.self))
    }

    @Test(.timeLimit(.minutes(1)))
    func aClientThatNeverFinishesItsRequestHeadIsDisconnected() async throws {
        let h = try await Harness(readTimeout: .milliseconds(800))
        let port = h.running.port
        let (seconds, _) = await Task.detached {
            Self.secondsUntilClosed(port: port, sending: "GET /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea", limit: 15)
        }.value
        #expect(seconds != nil, "the connection was still open after 15 s")
        await h.stop()
    }

    static let slowHead = "POST /v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ops)\r\nContent-Length: 500\r\n\r\n{\"status\":"

    @Test(.timeLimit(.minutes(1)))
    func aClientThatStopsSendingItsBodyIsDisconnected() async throws {
        let h = try await Harness(readTimeout: .milliseconds(800))
        let port = h.running.port
        let (seconds, _) = await Task.detached { Self.secondsUntilClosed(port: port, sending: Self.slowHead, limit: 15) }.value
        #expect(seconds != nil, "the connection was still open after 15 s")
        #expect(try h.store.read { try $0.alerts() }.isEmpty)
        await h.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func aClientThatTricklesItsBodyGets408() async throws {
        let h = try await Harness(readTimeout: .milliseconds(1500))
        let port = h.running.port
        // A byte every 200 ms keeps the connection from going idle; the whole body still must arrive in 1.5 s.
        let (seconds, reply) = await Task.detached {
            Self.secondsUntilClosed(port: port, sending: Self.slowHead, limit: 15, trickle: 0.2)
        }.value
        #expect(seconds != nil, "the connection was still open after 15 s")
        #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply)")
        #expect(try h.store.read { try $0.alerts() }.isEmpty)
        await h.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func serveprunesOnItsScheduleByTheInjectedClock() async throws {
        let start = Date()
        let clock = VirtualClock(start)
        var runID = ""
        let h = try await Harness(clock: clock, retention: .seconds(30 * 86400)) { store in
            // Samples 29.5 days old: kept at start, expired twelve hours of (virtual) schedule later.
            let at = start.addingTimeInterval(-29.5 * 86400)
            let run = try store.createRun(NewRun(kind: .replay, name: "old", status: .completed), at: at)
            try store.insertSamples((0..<50).map { Sample(requestID: "r\($0)", arm: .baseline, startedAt: at, responseText: "text") },
                                    runID: run.id, stage: nil)
            runID = run.id
        }
        let id = runID
        let pruned = await waitUntil(timeout: .seconds(30)) { (try? h.store.samples(runID: id).isEmpty) ?? false }
        #expect(pruned)
        #expect(try h.store.run(id).status == .completed, "the run itself stays")
        let entry = try #require(try h.store.pruneLog().first { $0.table == "samples" })
        #expect(entry.rows == 50)
        // Pruned by the first hourly prune after the samples expired (12 h after start), by the clock's time.
        let elapsed = entry.at.timeIntervalSince(start)
        #expect(elapsed > 12 * 3600 && elapsed <= 13 * 3600 + 1, "pruned after \(elapsed / 3600) virtual hours")
        await h.stop()
    }
}

/// Every byte of a database and its WAL and shared-memory files.
enum PrivacyBytes {
    static func of(_ path: String) -> Data {
        [path, path + "-wal", path + "-shm"].reduce(into: Data()) { data, p in
            if let d = FileManager.default.contents(atPath: p) { data.append(d) }
        }
    }
}
