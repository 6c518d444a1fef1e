import ArgumentParser
import Foundation
import TollgateCore
import TollgateSimulator

/// `tollgate sim`: serves a simulated OpenAI-compatible model server until Ctrl-C.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a simulated OpenAI-compatible model server with configurable latency, answers and faults.",
        discussion: """
        Serves /v1/chat/completions, /v1/completions (streamed or not), /v1/embeddings, /v1/models and \
        /health. Options given on the command line override the --profile file. Every random draw comes \
        from --seed, so the same seed and requests give the same run. A request header \
        `x-sim-fault: NAME[;times=N]` forces a fault (rate_limited, server_error, unavailable, \
        out_of_memory, stream_cut, stall_first_token, stall_mid_stream, malformed, context_length, \
        model_not_found) for the first N requests with the same x-request-id.
        """
    )

    @Option(help: ArgumentHelp("Address to listen on (port 0 picks a free one and prints it).", valueName: "HOST:PORT"))
    var listen = ListenAddress(host: "127.0.0.1", port: 8000)

    @Option(help: "A YAML or JSON simulator profile; options below override its values.")
    var profile: String?

    @Option(help: "Seed of every random draw.")
    var seed: UInt64?

    @Option(name: .customLong("model"), help: "A model id to serve (repeatable).")
    var models: [String] = []

    @Flag(name: .customLong("reject-unknown-models"), help: "Answer 404 model_not_found for models not served.")
    var rejectUnknownModels = false

    @Option(name: .customLong("prefill-ms"), help: "Median prefill time in milliseconds.")
    var prefillMs: Double?

    @Option(name: .customLong("prefill-spread"), help: "Spread (sigma of the logarithm) of the prefill time.")
    var prefillSpread: Double?

    @Option(name: .customLong("prefill-per-token-ms"), help: "Prefill milliseconds added per input token.")
    var prefillPerTokenMs: Double?

    @Option(name: .customLong("decode-ms"), help: "Median milliseconds between output tokens.")
    var decodeMs: Double?

    @Option(name: .customLong("decode-spread"), help: "Spread (sigma of the logarithm) of the time between tokens.")
    var decodeSpread: Double?

    @Option(name: .customLong("output-tokens"), help: "Median answer length in tokens.")
    var outputTokens: Double?

    @Option(name: .customLong("max-output-tokens"), help: "Longest answer in tokens.")
    var maxOutputTokens: Int?

    @Option(name: .customLong("max-input-tokens"), help: "Inputs above this many tokens get a context-length error.")
    var maxInputTokens: Int?

    @Option(name: .customLong("fault"), help: "A fault rate NAME=RATE (repeatable), e.g. rate_limited=0.05 or stream_cut=0.01.")
    var faults: [String] = []

    @Option(name: .customLong("retry-after"), help: "Seconds sent in Retry-After with injected 429s.")
    var retryAfter: Int?

    @Option(name: .customLong("stall"), help: "How long an injected stall lasts, e.g. 60s.")
    var stall: String?

    @Option(help: "A YAML or JSON file with a list of {prompt, answer, degraded} cases.")
    var cases: String?

    @Option(name: .customLong("degraded-rate"), help: "Fraction of prompts whose answer is degraded.")
    var degradedRate: Double?

    @Option(name: .customLong("cold-start"), help: "Not ready until this long after the process started (e.g. 2s): /health and generation answer 503.")
    var coldStart: String?

    @Option(name: .customLong("warmup-requests"), help: "The first N requests after the cold start are slower (prefill × --warmup-factor).")
    var warmupRequests: Int?

    @Option(name: .customLong("warmup-factor"), help: "How much slower the prefill of a warmup request is (default 3).")
    var warmupFactor: Double?

    @Option(help: "Requests served at once; more wait in a queue, so latency grows with concurrency beyond it.")
    var capacity: Int?

    @Option(name: .customLong("queue-limit"), help: "With --capacity, most requests waiting for a slot; one more gets HTTP 429.")
    var queueLimit: Int?

    func run() async throws {
        var profile = try self.profile.map { try Simulator.loadProfile(path: $0) } ?? SimulatorProfile()
        try apply(to: &profile)
        let (listen, ready) = (listen, profile)
        try await LongRunning.run("sim") {
            let sim = try await Simulator.start(profile: ready, host: listen.host, port: listen.port)
            // Written unbuffered: scripts read the port chosen for --listen HOST:0 from this line.
            Output.line("tollgate sim listening on http://\(listen.host):\(sim.port)/v1 (seed \(ready.seed)); Ctrl-C stops it.")
            await LongRunning.untilShutdown()
            await sim.stop()
        }
    }

    private func apply(to p: inout SimulatorProfile) throws {
        if let seed { p.seed = seed }
        if !models.isEmpty { p.models = models }
        if rejectUnknownModels { p.rejectUnknownModels = true }
        if let prefillMs { p.prefill.medianMs = prefillMs }
        if let prefillSpread { p.prefill.spread = prefillSpread }
        if let prefillPerTokenMs { p.prefill.perInputTokenMs = prefillPerTokenMs }
        if let decodeMs { p.decode.medianMs = decodeMs }
        if let decodeSpread { p.decode.spread = decodeSpread }
        if let outputTokens {
            p.outputTokens.median = outputTokens
            p.outputTokens.max = max(p.outputTokens.max, Int(outputTokens.rounded(.up)))
        }
        if let maxOutputTokens { p.outputTokens.max = maxOutputTokens }
        if let maxInputTokens { p.maxInputTokens = maxInputTokens }
        if let retryAfter { p.faults.retryAfterSeconds = retryAfter }
        if let stall {
            guard let d = DurationText.parse(stall) else { throw ValidationError("--stall '\(stall)' is not a duration; write e.g. 60s.") }
            p.faults.stallMs = DurationText.seconds(d) * 1000
        }
        if let degradedRate { p.degradedRate = degradedRate }
        for spec in faults {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let rate = Double(parts[1]) else {
                throw ValidationError("--fault '\(spec)' must be NAME=RATE, e.g. rate_limited=0.05.")
            }
            guard let fault = SimulatedFault(rawValue: parts[0]), SimulatedFault.drawnByRate.contains(fault) else {
                let names = SimulatedFault.drawnByRate.map(\.rawValue)
                throw ValidationError("--fault: unknown fault '\(parts[0])'; use \(names.dropLast().joined(separator: ", ")) or \(names.last!).")
            }
            p.faults[rate: fault] = rate
        }
        if let cases { p.cases = try Simulator.loadCases(path: cases) }
        if let coldStart {
            guard let d = DurationText.parse(coldStart) else { throw ValidationError("--cold-start '\(coldStart)' is not a duration; write e.g. 2s.") }
            // Counted from the process's start, as whoever started it times it.
            p.serving.coldStartMs = max(0, (DurationText.seconds(d) - (ProcessAge.seconds() ?? 0)) * 1000)
        }
        if let warmupRequests { p.serving.warmupRequests = warmupRequests }
        if let warmupFactor { p.serving.warmupFactor = warmupFactor }
        if let capacity { p.serving.capacity = capacity }
        if let queueLimit { p.serving.queueLimit = queueLimit }
        try p.validate()
    }
}
