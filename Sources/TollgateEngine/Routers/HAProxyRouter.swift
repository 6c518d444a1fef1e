import Foundation
import NIOCore
import NIOPosix

/// A router that moves traffic between two servers of one HAProxy backend through HAProxy's
/// runtime API on its admin socket (`stats socket ... level admin`), without a reload.
///
/// Setting 25 sends `set server BACKEND/CANDIDATE weight 25; set server BACKEND/BASELINE weight 75`,
/// so with `balance roundrobin` (or any dynamic-weight algorithm) the candidate gets exactly
/// 25 % of new requests. Reading back uses `get weight` on both servers.
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

    /// The runtime API command line that sets `candidatePercent`.
    public func setCommand(for candidatePercent: Int) -> String {
        "set server \(backend)/\(candidateServer) weight \(candidatePercent); set server \(backend)/\(baselineServer) weight \(100 - candidatePercent)"
    }

    public func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        try Self.validate(candidatePercent)
        let command = setCommand(for: candidatePercent)
        let answer = try await send(command).trimmingCharacters(in: .whitespacesAndNewlines)
        // HAProxy answers a successful `set server ... weight` with nothing at all.
        guard answer.isEmpty else {
            throw RouterError.unexpectedAnswer(router: "haproxy", answer: "`\(command)` was answered with: \(answer)")
        }
        return RouterReceipt(router: "haproxy", candidatePercent: candidatePercent, detail: command)
    }

    public func currentWeight() async throws -> Int? {
        let command = "get weight \(backend)/\(candidateServer); get weight \(backend)/\(baselineServer)"
        let answer = try await send(command)
        let weights = Self.parseWeights(answer)
        guard weights.count == 2 else {
            throw RouterError.unexpectedAnswer(router: "haproxy", answer: "`\(command)` was answered with: \(answer.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let total = weights[0] + weights[1]
        guard total > 0 else { return nil }
        return Int((Double(weights[0]) * 100 / Double(total)).rounded())
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
