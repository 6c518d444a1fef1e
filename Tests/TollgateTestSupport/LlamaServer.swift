import Foundation

/// Where the real LLM peer is installed: the Python that has `llama_cpp.server` and two versions
/// of one small model, as `scripts/peers/setup.sh` (called by CI) exports them:
/// `TOLLGATE_LLAMA_PYTHON`, `TOLLGATE_LLAMA_BASELINE_MODEL`, `TOLLGATE_LLAMA_CANDIDATE_MODEL`.
public struct LlamaPeer: Sendable {
    public var python: String
    public var baselineModel: String
    public var candidateModel: String

    /// The installed peer, or `nil` when the environment does not name one (or its files are missing).
    public static let installed: LlamaPeer? = {
        let env = ProcessInfo.processInfo.environment
        guard let python = env["TOLLGATE_LLAMA_PYTHON"], !python.isEmpty,
              let baseline = env["TOLLGATE_LLAMA_BASELINE_MODEL"], FileManager.default.fileExists(atPath: baseline),
              let candidate = env["TOLLGATE_LLAMA_CANDIDATE_MODEL"], FileManager.default.fileExists(atPath: candidate)
        else { return nil }
        return LlamaPeer(python: python, baselineModel: baseline, candidateModel: candidate)
    }()

    /// What a skipped real-server test says in the test output.
    public static let skipReason = "skipped: llama.cpp server not installed (run scripts/peers/setup.sh and export what it prints)"
}

/// One llama.cpp OpenAI-compatible server (`python3 -m llama_cpp.server`) started by a test on a
/// free loopback port, one thread, and stopped by its PID with ``stop()`` (also from `defer`).
///
/// `interruptRequests` is the server's `--interrupt_requests`: when true (the server's default) a
/// second request cuts the stream of the one in progress; tests that send requests one after the
/// other on purpose start it with false.
public final class LlamaServer: Sendable {
    public let port: Int
    public let process: ChildProcess
    /// The model alias requests name (the server answers any name with its one model).
    public static let modelAlias = "smollm2"

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    public init(python: String, model: String, interruptRequests: Bool = false) async throws {
        port = try freeLoopbackPort()
        process = try ChildProcess(URL(fileURLWithPath: Self.executable(python)), [
            "-m", "llama_cpp.server", "--model", model, "--model_alias", Self.modelAlias,
            "--host", "127.0.0.1", "--port", String(port), "--n_threads", "1", "--n_ctx", "1024",
            "--interrupt_requests", interruptRequests ? "True" : "False",
        ])
        let port = self.port
        let process = self.process
        let ready = await waitUntil(timeout: .seconds(90)) {
            !process.process.isRunning || loopbackGETStatus(port: port, path: "/v1/models") == 200
        }
        guard ready, process.process.isRunning else {
            process.stop()
            throw StartFailure(message: "llama.cpp's server on port \(port) did not become ready: \(process.stderr.suffix(2000))")
        }
    }

    /// Stops the server (SIGKILL by PID) and reaps it.
    public func stop() { process.stop() }

    /// `python` as an absolute path (a bare name is looked up on PATH).
    static func executable(_ python: String) -> String {
        guard !python.contains("/") else { return python }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(dir)/\(python)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return python
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
