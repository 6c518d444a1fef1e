import AsyncHTTPClient
import Foundation
import TollgateCore
import TollgateSimulator
import TollgateTraffic

/// Starts a simulator and a client, runs `body`, and stops both, also when `body` throws.
func withSimulator<T>(
    _ profile: SimulatorProfile = .fast(), concurrency: Int = 64,
    _ body: (Simulator, HTTPClient) async throws -> T
) async throws -> T {
    let sim = try await Simulator.start(profile: profile, host: "127.0.0.1", port: 0)
    let http = ModelClient.makeHTTPClient(concurrency: concurrency)
    do {
        let result = try await body(sim, http)
        try await http.shutdown()
        await sim.stop()
        return result
    } catch {
        try? await http.shutdown()
        await sim.stop()
        throw error
    }
}

extension SimulatorProfile {
    /// A quick but streaming profile: 20 ms prefill, 2 ms per token, 12-token answers.
    static func fast(seed: UInt64 = 1) -> SimulatorProfile {
        SimulatorProfile(
            seed: seed,
            prefill: Prefill(medianMs: 20, spread: 0, perInputTokenMs: 0),
            decode: Latency(medianMs: 2, spread: 0),
            outputTokens: OutputLength(median: 12, spread: 0, min: 12, max: 12),
            faults: Faults(retryAfterSeconds: 1, stallMs: 30_000)
        )
    }
}

func chatBody(_ prompt: String, stream: Bool = true, model: String? = nil) -> JSONValue {
    var body: JSONValue = .object([
        "messages": .array([.object(["role": .string("user"), "content": .string(prompt)])]),
        "stream": .bool(stream),
    ])
    if let model { body["model"] = .string(model) }
    return body
}

/// Writes `lines` to a new temporary file and returns its path.
func temporaryFile(_ lines: [String], name: String = "traffic.jsonl") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-traffic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Resident memory of this process in bytes (Linux: /proc/self/statm), `nil` elsewhere.
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
