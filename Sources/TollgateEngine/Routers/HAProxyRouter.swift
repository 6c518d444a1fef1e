import Foundation
import NIOCore
import NIOPosix

/// A router that moves traffic between two servers of one HAProxy backend through HAProxy's
/// runtime API on its admin socket (`stats socket ... level admin`), without a reload.
///
/// Setting 25 sets `set server BACKEND/CANDIDATE weight 25` and `set server BACKEND/BASELINE
/// weight 75`, so with `balance roundrobin` (or any dynamic-weight algorithm) the candidate gets
/// exactly 25 % of new requests. HAProxy applies each command on its own, so a split is applied
/// as one change: both servers are read first (`get weight`, which also proves both names
/// exist), then both are set, and when the second set is refused the first is put back. A
/// refusal is reported in HAProxy's own words (`No such server.`).
public struct HAProxyRouter: TrafficRouter {
    public var socketPath: String
    public var backend: String
    public var baselineServer: String
    public var candidateServer: String

    public init(socketPath: String, backend: String, baselineServer: String, candidateServer: String) throws {
        for (name, value) in [("backend", backend), ("baseline server", baselineServer), ("candidate server", candidateServer)] {
            guard !value.isEmpty, !value.contains(where: { $0 == ";" || $0 == "/" || $0.isWhitespace || $0.isNewline }) else {
                throw RouterError.invalidConfiguration("the HAProxy \(name) name '\(value)' is empty or contains a space, ';' or '/'.")
            }
        }
        self.socketPath = socketPath
        self.backend = backend
        self.baselineServer = baselineServer
        self.candidateServer = candidateServer
    }

    public var summary: String { "haproxy \(backend)/\(candidateServer) vs \(backend)/\(baselineServer) via \(socketPath)" }

    /// The runtime API commands that set `candidatePercent`, candidate first.
    public func setCommands(for candidatePercent: Int) -> [String] {
        [setCommand(candidateServer, weight: candidatePercent), setCommand(baselineServer, weight: 100 - candidatePercent)]
    }

    private func setCommand(_ server: String, weight: Int) -> String {
        "set server \(backend)/\(server) weight \(weight)"
    }

    public func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        try Self.validate(candidatePercent)
        // Reading both weights first checks both names, and gives the weights to restore.
        let before = try await weights()
        let commands = setCommands(for: candidatePercent)
        try await run(commands[0])
        do {
            try await run(commands[1])
        } catch RouterError.refused(let router, let command, let answer) {
            let restore = setCommand(candidateServer, weight: before.candidate)
            let restored = (try? await run(restore)) != nil
            let note = restored ? "the candidate's weight was put back to \(before.candidate)"
                : "putting the candidate's weight back to \(before.candidate) failed too: run `\(restore)` on the socket"
            throw RouterError.refused(router: router, command: command, answer: "\(answer) (\(note))")
        }
        return RouterReceipt(router: "haproxy", candidatePercent: candidatePercent, detail: commands.joined(separator: "; "))
    }

    public func currentWeight() async throws -> Int? {
        let w = try await weights()
        let total = w.candidate + w.baseline
        guard total > 0 else { return nil }
        return Int((Double(w.candidate) * 100 / Double(total)).rounded())
    }

    /// Both servers' current weights (`get weight`, one command per connection, so each answer
    /// is HAProxy's answer to that command alone).
    private func weights() async throws -> (candidate: Int, baseline: Int) {
        var found: [Int] = []
        for server in [candidateServer, baselineServer] {
            let command = "get weight \(backend)/\(server)"
            let answer = try await send(command).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let weight = Self.parseWeights(answer).first else {
                throw RouterError.refused(router: "haproxy", command: command, answer: answer)
            }
            found.append(weight)
        }
        return (found[0], found[1])
    }

    /// Sends one command that HAProxy answers with nothing when it succeeds.
    private func run(_ command: String) async throws {
        let answer = try await send(command).trimmingCharacters(in: .whitespacesAndNewlines)
        guard answer.isEmpty else { throw RouterError.refused(router: "haproxy", command: command, answer: answer) }
    }

    /// The current weights in an answer to `get weight` commands: each answer line reads
    /// `25 (initial 0)`.
    static func parseWeights(_ answer: String) -> [Int] {
        answer.split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[1].hasPrefix("(initial"), let weight = Int(parts[0]) else { return nil }
            return weight
        }
    }

    /// Sends one command line to the admin socket and returns everything HAProxy writes back
    /// before it closes the connection (the non-interactive mode of the runtime API).
    func send(_ command: String) async throws -> String {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw RouterError.unreachable(router: "haproxy", target: socketPath, reason: "\(error)")
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: command + "\n"))
                var answer = ""
                for try await chunk in inbound {
                    answer += String(buffer: chunk)
                    if answer.utf8.count > 1 << 20 { break }
                }
                return answer
            }
        } catch {
            throw RouterError.unreachable(router: "haproxy", target: socketPath, reason: "the conversation on the socket failed (\(error))")
        }
    }
}
