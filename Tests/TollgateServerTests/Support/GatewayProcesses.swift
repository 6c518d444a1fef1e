import Foundation
import Testing
import TollgateTestSupport

/// Real `tollgate` processes for gateway tests (the gateway and simulators as users run them),
/// each on a port the system chose, stopped by PID by the caller.
enum GatewayProcesses {
    /// The `tollgate` executable built next to the tests.
    static func binary() throws -> URL {
        try TollgateCLI.binary()
    }

    /// Starts `tollgate ARGUMENTS` and waits until it prints `listening on http://HOST:PORT`.
    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> (ChildProcess, Int) {
        var env = ProcessInfo.processInfo.environment
        env["LOG_LEVEL"] = "error"
        for (key, value) in environment { env[key] = value }
        let child = try ChildProcess(try binary(), arguments, environment: env)
        let port = try await listeningPort(child)
        return (child, port)
    }

    /// The port a `tollgate gateway` or `tollgate sim` child announced on stdout.
    static func listeningPort(_ child: ChildProcess, timeout: Duration = .seconds(30)) async throws -> Int {
        let found = await waitUntil(timeout: timeout) { port(in: child.stdout) != nil || !child.process.isRunning }
        guard found, let port = port(in: child.stdout) else {
            child.stop()
            throw ProcessFailure(message: "\(child.process.arguments ?? []) did not announce a port; stderr: \(child.stderr)")
        }
        return port
    }

    private static func port(in text: String) -> Int? {
        guard let range = text.range(of: "listening on http://") else { return nil }
        let rest = text[range.upperBound...]
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let digits = rest[rest.index(after: colon)...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// A simulator answering quickly: 10 ms prefill, 2 ms between tokens, 16 tokens, stalls of 3 s.
    static func simulator(seed: Int) async throws -> (ChildProcess, Int) {
        try await start([
            "sim", "--listen", "127.0.0.1:0", "--seed", String(seed), "--prefill-ms", "10", "--prefill-spread", "0",
            "--prefill-per-token-ms", "0", "--decode-ms", "2", "--decode-spread", "0", "--output-tokens", "16", "--stall", "3s",
        ])
    }

    /// Resident memory of a process in bytes (`VmRSS` in /proc).
    static func residentBytes(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kb * 1024
    }
}

/// A child process that did not start as expected.
struct ProcessFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
