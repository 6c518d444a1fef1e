import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TollgateSimulator
import TollgateTestSupport
@testable import TollgateEngine

/// Drives a real HAProxy (Debian's `haproxy`, installed by `.ci/run`) through its admin socket
/// in front of two in-process simulators, and checks the split it produces at each weight.
@Suite("HAProxy router against a real HAProxy", .enabled(if: haproxyExecutable != nil, "haproxy is not installed"))
struct HAProxyIntegrationTests {
    @Test("weights 0, 5, 25, 100 set through the admin socket give binomially consistent splits")
    func weightSteps() async throws {
        var baselineProfile = SimulatorProfile.instant()
        baselineProfile.models = ["baseline-model"]
        var candidateProfile = SimulatorProfile.instant()
        candidateProfile.models = ["candidate-model"]
        let baseline = try await Simulator.start(profile: baselineProfile)
        let candidate = try await Simulator.start(profile: candidateProfile)
        let folder = try TemporaryFolder()
        var haproxy: ChildProcess?
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)))
        defer {
            haproxy?.stop()
            folder.remove()
        }
        do {
            let port = try freeLoopbackPort()
            let socket = folder.path("admin.sock")
            let config = folder.path("haproxy.cfg")
            try """
            global
                stats socket \(socket) mode 600 level admin
            defaults
                mode http
                timeout connect 2s
                timeout client 30s
                timeout server 30s
            frontend fe
                bind 127.0.0.1:\(port)
                default_backend models
            backend models
                balance roundrobin
                server baseline 127.0.0.1:\(baseline.port) weight 100
                server candidate 127.0.0.1:\(candidate.port) weight 0

            """.write(toFile: config, atomically: true, encoding: .utf8)
            haproxy = try ChildProcess(URL(fileURLWithPath: haproxyExecutable!), ["-f", config, "-p", folder.path("haproxy.pid")])
            let ready = await waitUntil(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: socket) }
            #expect(ready, "HAProxy did not open its admin socket: \(haproxy?.stderr ?? "")")
            guard ready else { throw CancellationError() }

            let router = try HAProxyRouter(socketPath: socket, backend: "models", baselineServer: "baseline", candidateServer: "candidate")
            let n = 1000
            for weight in [0, 5, 25, 100] {
                let receipt = try await router.setWeight(weight)
                #expect(receipt.detail.contains("weight \(weight)"))
                #expect(try await router.currentWeight() == weight)
                let onCandidate = try await countCandidateAnswers(client, url: "http://127.0.0.1:\(port)/v1/chat/completions", requests: n)
                let p = Double(weight) / 100
                let bound = 4.5 * (Double(n) * p * (1 - p)).squareRoot()
                #expect(abs(Double(onCandidate) - Double(n) * p) <= bound, "weight \(weight): \(onCandidate) of \(n) on the candidate")
            }
            // Setting the same weight again changes nothing.
            _ = try await router.setWeight(100)
            #expect(try await router.currentWeight() == 100)

            // A typo in either server name changes nothing, and says what HAProxy said.
            _ = try await router.setWeight(5)
            for typo in [("baselin", "candidate"), ("baseline", "candidat")] {
                let wrong = try HAProxyRouter(socketPath: socket, backend: "models", baselineServer: typo.0, candidateServer: typo.1)
                do {
                    _ = try await wrong.setWeight(23)
                    Issue.record("a split naming \(typo) was accepted")
                } catch let error as RouterError {
                    #expect(error.description.contains("No such server."), "\(error)")
                    #expect(!error.description.contains("does not understand"), "\(error)")
                }
                #expect(try await router.currentWeight() == 5, "a refused split left \(typo) half-applied")
            }
            let noBackend = try HAProxyRouter(socketPath: socket, backend: "modles", baselineServer: "baseline", candidateServer: "candidate")
            await #expect { _ = try await noBackend.setWeight(23) } throws: { error in
                (error as? RouterError)?.description.contains("No such backend.") == true
            }
            #expect(try await router.currentWeight() == 5)
        } catch {
            try? await client.shutdown()
            await baseline.stop()
            await candidate.stop()
            throw error
        }
        try await client.shutdown()
        await baseline.stop()
        await candidate.stop()
    }

    /// Sends `requests` chat requests, 32 at a time, and counts the answers the candidate gave.
    private func countCandidateAnswers(_ client: HTTPClient, url: String, requests: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            var count = 0
            for i in 0..<requests {
                if i >= 32, let answer = try await group.next() { count += answer ? 1 : 0 }
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "content-type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: #"{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}"#))
                    let response = try await client.execute(request, timeout: .seconds(10))
                    let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    guard response.status == .ok else { throw HTTPClientError.invalidURL }
                    return body.contains("\"candidate-model\"")
                }
            }
            for try await answer in group { count += answer ? 1 : 0 }
            return count
        }
    }
}

/// Where HAProxy is installed, if it is.
let haproxyExecutable: String? = ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/opt/homebrew/bin/haproxy"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }
