import Foundation

/// A real Prometheus (Debian `prometheus`) started by a test on a free loopback port with a generated
/// configuration (scrape interval 1 s) and a temporary TSDB, stopped by its PID with ``stop()``.
public final class PrometheusServer: Sendable {
    public let port: Int
    public let process: ChildProcess
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The binary: `TOLLGATE_PROMETHEUS` when set, else `prometheus` on the PATH; nil when neither exists.
    public static let binary: String? = {
        let env = ProcessInfo.processInfo.environment
        if let named = env["TOLLGATE_PROMETHEUS"], !named.isEmpty {
            return FileManager.default.isExecutableFile(atPath: named) ? named : nil
        }
        for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/prometheus"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    /// What a skipped Prometheus test says in the test output.
    public static let skipReason = "skipped: prometheus not found (apt-get install prometheus, or set TOLLGATE_PROMETHEUS to its path)"

    /// One scrape target and the labels Prometheus attaches to all its series.
    public struct Target: Sendable {
        public var address: String
        public var labels: [String: String]
        public init(address: String, labels: [String: String]) {
            self.address = address
            self.labels = labels
        }
    }

    /// Starts Prometheus on `port` (a free one when nil) scraping `targets` every second (job `sims`)
    /// and waits until it is ready.
    public init(binary: String, targets: [Target], folder: TemporaryFolder, port chosen: Int? = nil) async throws {
        let port = try chosen ?? freeLoopbackPort()
        self.port = port
        let statics = targets.map { t in
            "      - targets: ['\(t.address)']\n        labels: {" + t.labels.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ") + "}"
        }.joined(separator: "\n")
        let config = """
        global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }
        scrape_configs:
          - job_name: sims
            static_configs:
        \(statics)
        """
        let configPath = folder.path("prometheus-\(port).yml")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        process = try ChildProcess(URL(fileURLWithPath: binary), [
            "--config.file=\(configPath)", "--storage.tsdb.path=\(folder.path("tsdb-\(port)"))",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ])
        let ready = await waitUntil(timeout: .seconds(20)) { loopbackGETStatus(port: port, path: "/-/ready") == 200 }
        guard ready else {
            let output = process.stderr
            process.stop()
            throw PeerError.notReady("Prometheus on port \(port) was not ready within 20 s: \(output.suffix(2000))")
        }
    }

    /// Stops Prometheus (SIGKILL by PID) and reaps it.
    public func stop() { process.stop() }

    /// Why a peer could not be started.
    public enum PeerError: Error, CustomStringConvertible {
        case notReady(String)
        public var description: String {
            switch self { case .notReady(let message): return message }
        }
    }
}
