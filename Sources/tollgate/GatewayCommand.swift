import ArgumentParser
import Foundation
import TollgateCore
import TollgateEngine
import TollgateServer
import TollgateStore

/// `tollgate gateway`: runs the traffic gateway in front of a baseline and a candidate until
/// interrupted.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run the traffic gateway: a streaming proxy that splits OpenAI-compatible traffic between baseline and candidate.",
        discussion: """
        Each request goes to the candidate with probability --weight percent (or by a sticky key), \
        streams through unbuffered, and is measured (TTFT, inter-token gaps, tokens, errors). \
        A share of baseline requests can be mirrored to the candidate as shadow traffic. \
        The admin API (GET/PUT /admin/weights, GET /admin/stats) needs the bearer token from \
        --admin-token-env; /health and /metrics (Prometheus) are open. Stop with Ctrl-C or SIGTERM.
        """
    )

    @Option(help: ArgumentHelp("Address to listen on (port 0 picks a free one).", valueName: "HOST:PORT"))
    var listen = ListenAddress(host: "127.0.0.1", port: 9100)

    @Option(help: "Base URL of the baseline model server, e.g. http://127.0.0.1:8001/v1.")
    var baseline: String

    @Option(help: "Base URL of the candidate model server.")
    var candidate: String

    @Option(help: "Percent of requests sent to the candidate (0-100).")
    var weight = 0

    @Option(help: "Percent of baseline requests also copied to the candidate as shadow traffic (0-100).")
    var mirror = 0

    /// Every request's sample is recorded in a run of kind gateway when a database is named;
    /// without one the gateway keeps only its metrics.
    @OptionGroup var database: RecordingDatabaseOptions

    @Option(help: "Environment variable holding the admin API bearer token. Without it the admin API is off.")
    var adminTokenEnv: String?

    @Option(help: "Request header whose value keeps a user on one arm (e.g. x-user-id).")
    var stickyHeader: String?

    @Flag(help: "Keep users on one arm by the request body's top-level \"user\" field.")
    var stickyUser = false

    @Option(help: "Bytes of the body read to find \"user\" before routing; later ones are routed by weight.")
    var stickyPeekBytes = 65_536

    @Option(help: "Largest accepted request body in bytes; larger ones get HTTP 413.")
    var maxBodyBytes = 4 << 20

    @Option(help: "Time allowed to connect to an upstream (e.g. 5s); past it the client gets 504.")
    var connectTimeout = "5s"

    @Option(help: "Time allowed until the upstream's response head arrives (e.g. 120s); past it the client gets 504.")
    var responseTimeout = "120s"

    @Option(help: "Time the upstream may stay silent in the middle of a streamed answer before it is cut.")
    var idleTimeout = "60s"

    @Option(help: "Environment variable with an API key sent to the baseline instead of the client's Authorization.")
    var baselineApiKeyEnv: String?

    @Option(help: "Environment variable with an API key sent to the candidate instead of the client's Authorization.")
    var candidateApiKeyEnv: String?

    @Option(help: ArgumentHelp(
        "Environment variable with the API key sent with shadow copies (default: the candidate's key).",
        discussion: "Shadow copies never carry the user's Authorization, Cookie, X-Api-Key or Api-Key headers."))
    var mirrorApiKeyEnv: String?

    @Option(help: "Mirrored requests that may wait; more are dropped and counted.")
    var mirrorQueue = 256

    @Option(help: "Mirrored requests in flight at once.")
    var mirrorConcurrency = 16

    @Option(help: ArgumentHelp(
        "Event-loop threads serving connections (default: one per core).",
        discussion: "Like HAProxy's nbthread. On a machine whose cores the model servers or clients share, fewer threads use less CPU per request."))
    var threads: Int?

    func validate() throws {
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads must be between 1 and 256; got \(threads).")
        }
        for (flag, text) in [("--connect-timeout", connectTimeout), ("--response-timeout", responseTimeout), ("--idle-timeout", idleTimeout)] {
            guard DurationText.parse(text) != nil else { throw ValidationError("\(flag) must be a duration like 500ms, 30s or 2m; got '\(text)'.") }
        }
        for (flag, name) in [("--admin-token-env", adminTokenEnv), ("--baseline-api-key-env", baselineApiKeyEnv), ("--candidate-api-key-env", candidateApiKeyEnv), ("--mirror-api-key-env", mirrorApiKeyEnv)] {
            if let name, ProcessInfo.processInfo.environment[name]?.isEmpty ?? true {
                throw ValidationError("\(flag) names \(name), but that environment variable is not set or empty.")
            }
        }
    }

    func run() async throws {
        // Before anything uses NIO's shared event loops (the listener, the pools, the mirror's client).
        if let threads { Gateway.setServingThreads(threads) }
        let environment = ProcessInfo.processInfo.environment
        let configuration = GatewayConfiguration(
            host: listen.host, port: listen.port,
            baseline: try Upstream(url: baseline, apiKey: baselineApiKeyEnv.flatMap { environment[$0] }),
            candidate: try Upstream(url: candidate, apiKey: candidateApiKeyEnv.flatMap { environment[$0] }),
            candidatePercent: weight, mirrorPercent: mirror,
            stickiness: Stickiness(header: stickyHeader, userField: stickyUser, peekBytes: stickyPeekBytes),
            maxBodyBytes: maxBodyBytes,
            connectTimeout: DurationText.parse(connectTimeout)!,
            responseTimeout: DurationText.parse(responseTimeout)!,
            idleTimeout: DurationText.parse(idleTimeout)!,
            adminToken: adminTokenEnv.flatMap { environment[$0] },
            mirrorAPIKey: mirrorApiKeyEnv.flatMap { environment[$0] },
            mirrorQueueCapacity: mirrorQueue, mirrorConcurrency: mirrorConcurrency
        )
        var recording: RunRecording?
        if let store = try database.openIfNamed() {
            let session = try RunRecording.start(NewRun(kind: .gateway, name: "gateway \(listen)", baselineVersion: baseline, candidateVersion: candidate), in: store)
            recording = session
            Output.line("recording samples in \(store.path), run \(session.run.id)")
        }
        let sink = recording?.sink
        let gateway = try Gateway(configuration: configuration, sampleSink: sink)
        defer {
            try? recording?.complete()
        }
        let (host, weight, mirror) = (listen.host, weight, mirror)
        // The gateway stops when its task is cancelled: the listener closes and open connections
        // finish their current answer (a graceful shutdown of the group cancels it).
        try await LongRunning.run("gateway") {
            try await LongRunning.cancelOnShutdown {
                try await gateway.run { port in
                    Output.line("tollgate gateway listening on http://\(host):\(port) (candidate \(weight)%, mirror \(mirror)%)")
                }
            }
        }
        Output.line(gateway.statsJSON)
    }
}
