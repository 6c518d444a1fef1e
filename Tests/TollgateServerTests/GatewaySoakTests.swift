import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport
@testable import TollgateServer

extension GatewayTests {
    /// The real `tollgate gateway` process under sustained keep-alive load, in front of real
    /// `tollgate sim` processes, all over loopback.
    @Suite("Gateway process under load")
    struct GatewaySoakTests {
        /// A client that keeps connections open and never follows redirects.
        static func client(connections: Int) -> HTTPClient {
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
            configuration.decompression = .disabled
            configuration.redirectConfiguration = .disallow
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }

        static func chatBody(stream: Bool, paddingBytes: Int) -> ByteBuffer {
            let padding = String(repeating: "a", count: max(0, paddingBytes))
            return ByteBuffer(string: #"{"model":"m","stream":\#(stream),"messages":[{"role":"user","content":"Where is my order? \#(padding)"}]}"#)
        }

        @Test("thousands of requests with bodies on one keep-alive connection: the gateway keeps serving")
        func keepAliveWithBodies() async throws {
            // Upstreams that answer at once, as nginx does in the benchmark that found the crash;
            // the gateway on one event loop, as the benchmark runs it (--threads 1).
            let baseline = try await TestUpstream.start(name: "baseline")
            let candidate = try await TestUpstream.start(name: "candidate")
            let started: (ChildProcess, Int)
            do {
                started = try await GatewayProcesses.start([
                    "gateway", "--threads", "1", "--listen", "127.0.0.1:0", "--baseline", baseline.url, "--candidate", candidate.url,
                    "--weight", "50",
                ])
            } catch {
                await baseline.stop()
                await candidate.stop()
                throw error
            }
            let (gateway, port) = started
            defer { gateway.stop() }
            let client = Self.client(connections: 1)
            var answered = 0
            do {
                // Non-streamed answers of known length (the single-write path) and streamed ones,
                // each request with a body, one after another on the one pooled connection.
                for i in 0..<1500 {
                    let streamed = i % 4 == 3
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)" + (streamed ? "/v1/chat/completions?chunks=2&gap=0" : i % 2 == 0 ? "/v1/completions?early=1" : "/v1/completions"))
                    request.method = .POST
                    request.headers.add(name: "content-type", value: "application/json")
                    request.body = .bytes(Self.chatBody(stream: streamed, paddingBytes: i % 7 * 300 + (i % 5 == 0 ? 100_000 : 0)))
                    let response = try await client.execute(request, timeout: .seconds(20))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    #expect(response.status == .ok, "request \(i)")
                    answered += 1
                    if !gateway.process.isRunning { break }
                }
            } catch {
                Issue.record("request \(answered) failed: \(error); gateway stderr: \(gateway.stderr.suffix(2000))")
            }
            try? await client.shutdown()
            #expect(answered == 1500)
            #expect(gateway.process.isRunning, "the gateway exited: \(gateway.stderr.suffix(2000))")
            gateway.signal(SIGTERM)
            #expect(await gateway.waitForExit(timeout: .seconds(20)) == 0)
            await baseline.stop()
            await candidate.stop()
        }

        /// What the soak's clients saw.
        struct Tally: Sendable {
            var inference = 0
            var passthrough = 0
            var statuses: [Int: Int] = [:]
            var cutStreams = 0
            var disconnects = 0
            /// Requests that got no response head at all: must stay 0.
            var unanswered: [String] = []
            /// Gateway error answers (502/504) without a classified JSON error: must stay 0.
            var unclassified: [String] = []
            var weightChanges = 0
            var weightFailures = 0
        }

        @Test("soak: mixed keep-alive traffic, faults, disconnects and weight changes every second")
        func soak() async throws {
            let seconds = Double(ProcessInfo.processInfo.environment["TOLLGATE_SOAK_SECONDS"] ?? "") ?? 60
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let (baseline, baselinePort) = try await GatewayProcesses.simulator(seed: 1)
            defer { baseline.stop() }
            let (candidate, candidatePort) = try await GatewayProcesses.simulator(seed: 2)
            defer { candidate.stop() }
            let token = "soak-admin-token-0123456789"
            let database = folder.path("soak.db")
            let (gateway, port) = try await GatewayProcesses.start([
                "gateway", "--listen", "127.0.0.1:0",
                "--baseline", "http://127.0.0.1:\(baselinePort)/v1", "--candidate", "http://127.0.0.1:\(candidatePort)/v1",
                "--weight", "50", "--mirror", "10", "--mirror-queue", "32", "--db", database,
                "--admin-token-env", "SOAK_ADMIN_TOKEN", "--idle-timeout", "1s", "--response-timeout", "2s",
            ], environment: ["SOAK_ADMIN_TOKEN": token])
            defer { gateway.stop() }
            let base = "http://127.0.0.1:\(port)"
            let client = Self.client(connections: 64)
            let tally = NIOLockedValueBox(Tally())
            let faults = ["stream_cut", "stall_mid_stream", "stall_first_token", "server_error", "unavailable", "malformed", "rate_limited"]
            let sizes = [0, 100, 2_000, 64_000, 1_000_000]

            @Sendable func one() async {
                var request = HTTPClientRequest(url: base + "/v1/chat/completions")
                let roll = Int.random(in: 0..<100)
                if roll < 5 {
                    request = HTTPClientRequest(url: base + (roll < 3 ? "/v1/models" : "/v1/models/m"))
                    tally.withLockedValue { $0.passthrough += 1 }
                } else {
                    request.method = .POST
                    request.headers.add(name: "content-type", value: "application/json")
                    let stream = roll % 2 == 0
                    let size = Int.random(in: 0..<100) < 3 ? sizes[4] : sizes[Int.random(in: 0..<4)]
                    if size > 0 { request.body = .bytes(Self.chatBody(stream: stream, paddingBytes: size)) }
                    if roll >= 75 { request.headers.add(name: "x-sim-fault", value: faults[roll % faults.count]) }
                    tally.withLockedValue { $0.inference += 1 }
                }
                let disconnect = request.method == .POST && roll >= 5 && roll < 12
                let response: HTTPClientResponse
                do {
                    response = try await client.execute(request, timeout: .seconds(20))
                } catch {
                    tally.withLockedValue { $0.unanswered.append("\(request.method) \(request.url): \(error)") }
                    return
                }
                let status = Int(response.status.code)
                tally.withLockedValue { $0.statuses[status, default: 0] += 1 }
                var text = ""
                do {
                    for try await chunk in response.body {
                        if disconnect {
                            tally.withLockedValue { $0.disconnects += 1 }
                            break  // hang up mid-answer
                        }
                        if text.utf8.count < 4096 { text += String(buffer: chunk) }
                    }
                } catch {
                    tally.withLockedValue { $0.cutStreams += 1 }
                }
                if !disconnect, status == 502 || status == 504, !text.contains("\"type\":\"tollgate_gateway_error\"") {
                    tally.withLockedValue { $0.unclassified.append("\(status): \(text.prefix(200))") }
                }
            }

            let deadline = ContinuousClock.now + .seconds(seconds)
            let warmUp = ContinuousClock.now + .seconds(min(5, seconds / 4))
            let rssBefore = NIOLockedValueBox<Int?>(nil)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        while ContinuousClock.now < deadline { await one() }
                    }
                }
                // The weight moves every second through the admin API while traffic flows.
                group.addTask {
                    while ContinuousClock.now < deadline {
                        try? await Task.sleep(for: .seconds(1))
                        if ContinuousClock.now >= warmUp, rssBefore.withLockedValue({ $0 }) == nil {
                            rssBefore.withLockedValue { $0 = GatewayProcesses.residentBytes(pid: gateway.pid) }
                        }
                        var request = HTTPClientRequest(url: base + "/admin/weights")
                        request.method = .PUT
                        request.headers.add(name: "authorization", value: "Bearer \(token)")
                        request.body = .bytes(ByteBuffer(string: #"{"candidate":\#(Int.random(in: 0...100))}"#))
                        let ok = (try? await client.execute(request, timeout: .seconds(10)))?.status == .ok
                        tally.withLockedValue { tally in
                            if ok { tally.weightChanges += 1 } else { tally.weightFailures += 1 }
                        }
                    }
                }
            }
            let rssAfter = GatewayProcesses.residentBytes(pid: gateway.pid)
            let seen = tally.withLockedValue { $0 }
            #expect(gateway.process.isRunning, "the gateway exited during the soak: \(gateway.stderr.suffix(3000))")

            // Every request was answered; the gateway's own error answers are classified.
            #expect(seen.unanswered.isEmpty, "\(seen.unanswered.count) unanswered, e.g. \(seen.unanswered.prefix(3))")
            #expect(seen.unclassified.isEmpty, "\(seen.unclassified.prefix(3))")
            #expect(seen.inference > 500, "only \(seen.inference) inference requests in \(seconds) s")
            #expect(seen.disconnects > 0 && seen.cutStreams > 0)
            #expect(seen.weightFailures == 0 && seen.weightChanges >= Int(seconds) / 2)

            // Memory stays bounded: what the soak held at its start plus a margin.
            let before = try #require(rssBefore.withLockedValue { $0 })
            let after = try #require(rssAfter)
            #expect(after < before + 256 << 20, "RSS grew from \(before >> 20) MiB to \(after >> 20) MiB")

            // Every inference request left exactly one sample (shadow copies apart), nothing else did.
            let settled = await waitUntil(timeout: .seconds(30)) {
                var request = HTTPClientRequest(url: base + "/admin/stats")
                request.headers.add(name: "authorization", value: "Bearer \(token)")
                guard let response = try? await client.execute(request, timeout: .seconds(5)),
                      let body = try? await response.body.collect(upTo: 1 << 20) else { return false }
                guard let stats = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                      let arms = stats["arms"] as? [String: [String: Any]] else { return false }
                return arms.count == 3 && arms.values.allSatisfy { ($0["inFlight"] as? Int) == 0 }
            }
            #expect(settled, "requests still in flight after the soak")
            try? await client.shutdown()
            gateway.signal(SIGTERM)
            #expect(await gateway.waitForExit(timeout: .seconds(30)) == 0, "\(gateway.stderr.suffix(2000))")
            let store = try RunStore(path: database)
            let run = try #require(try store.runs(limit: 10).first { $0.kind == .gateway })
            let samples = try store.samples(runID: run.id)
            let primary = samples.filter { $0.arm != .shadow }
            #expect(primary.count == seen.inference, "\(primary.count) samples for \(seen.inference) inference requests (\(seen.passthrough) others)")
            #expect(primary.contains { $0.errorClass == .malformed })
            #expect(primary.contains { $0.tags.contains("client_disconnected") })
            print("soak: \(seen.inference) inference + \(seen.passthrough) other requests in \(seconds) s, statuses \(seen.statuses), "
                  + "\(seen.cutStreams) cut streams, \(seen.disconnects) disconnects, \(seen.weightChanges) weight changes, "
                  + "\(samples.count - primary.count) shadow samples, RSS \(before >> 20) -> \(after >> 20) MiB")
        }
    }
}
