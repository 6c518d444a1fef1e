// Redaction benchmarks (benchmarks/privacy/run.sh):
// 1. Throughput of Redactor.builtIn on a corpus of model answers (most without personal data, some
//    with), against two references measured in the same run: a plain copy of the same bytes into a
//    new String, and one NSRegularExpression scan for e-mail addresses.
// 2. Replay against an in-process simulator, the samples written to SQLite through the store, with
//    `mode: full` and `mode: redacted` alternating: requests per second of each, and the ratio.
import AsyncHTTPClient
import Foundation
import NIOCore
import TollgateCore
import TollgateEngine
import TollgateSimulator
import TollgateStore
import TollgateTraffic

func corpus(megabytes: Int) -> [String] {
    let plain = "The refund was issued on 2026-11-30 and should arrive within 5 business days; order 123456 is closed. "
    let personal = "Write to ann.lee@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00. "
    var texts: [String] = []
    var bytes = 0
    var i = 0
    while bytes < megabytes << 20 {
        // One answer in ten carries personal data; answers are ~1.5 KB.
        let unit = i % 10 == 0 ? personal : plain
        let text = String(repeating: unit, count: 1500 / unit.utf8.count + 1)
        texts.append(text)
        bytes += text.utf8.count
        i += 1
    }
    return texts
}

func seconds(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let elapsed = clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func best(of runs: Int, _ body: () -> Void) -> Double {
    (0..<runs).map { _ in seconds(body) }.min()!
}

let texts = corpus(megabytes: 32)
let megabytes = Double(texts.reduce(0) { $0 + $1.utf8.count }) / 1_048_576
var sink = 0
let copy = best(of: 3) { for t in texts { sink &+= String(decoding: Array(t.utf8), as: UTF8.self).utf8.count } }
let email = try! NSRegularExpression(pattern: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}")
let regex = best(of: 3) { for t in texts { sink &+= email.numberOfMatches(in: t, range: NSRange(t.startIndex..., in: t)) } }
let redactor = Redactor.builtIn
let redact = best(of: 3) { for t in texts { sink &+= redactor.redact(t).utf8.count } }
print(String(format: "Redaction of %.0f MB of answers (best of 3):", megabytes))
print(String(format: "  Redactor.builtIn (all detectors)   %8.1f MB/s", megabytes / redact))
print(String(format: "  reference: plain copy              %8.1f MB/s   (redaction costs %.1fx a copy)", megabytes / copy, redact / copy))
print(String(format: "  reference: one e-mail regex scan   %8.1f MB/s   (redaction is %.1fx faster than one regex)", megabytes / regex, regex / redact))

// 2. Replay with the store, full vs redacted.
let requests = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 4000
var profile = SimulatorProfile.instant(seed: 1)
profile.outputTokens = .init(median: 300, spread: 0, min: 300, max: 300)
profile.cases = (0..<50).map { SimulatorProfile.Case(prompt: "question \($0)", answer: texts[$0 % 10 == 0 ? 0 : 1]) }
let simulator = try await Simulator.start(profile: profile)
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-bench-privacy-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let traffic = folder.appendingPathComponent("traffic.jsonl").path
try (0..<50).map { #"{"body":{"messages":[{"role":"user","content":"question \#($0)"}],"stream":true}}"# }
    .joined(separator: "\n").write(toFile: traffic, atomically: true, encoding: .utf8)
let store = try RunStore(path: folder.appendingPathComponent("bench.db").path)
var configuration = HTTPClient.Configuration()
configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
let client = ModelClient(httpClient: http, endpoint: ModelEndpoint(url: simulator.baseURL), keepResponseText: true)

func replay(_ mode: SecurityConfig.LoggingMode) async throws -> Double {
    let run = try store.createRun(NewRun(kind: .replay, name: "bench-\(mode.rawValue)"))
    let runner = ReplayRunner(targets: [ReplayTarget(arm: .candidate, client: client)],
                              configuration: ReplayConfiguration(shape: .closedLoop(concurrency: 16), requestLimit: requests,
                                                                 batchSize: 200, repeatTraffic: true),
                              sink: RunStoreSampleSink(store: store, runID: run.id, text: StoredTextPolicy(security: SecurityConfig(loggingMode: mode))))
    let clock = ContinuousClock()
    let start = clock.now
    _ = try await runner.run(trafficPath: traffic)
    let elapsed = clock.now - start
    return Double(requests) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

_ = try await replay(.full)  // warm-up
var full: [Double] = []
var redacted: [Double] = []
for _ in 0..<3 {
    full.append(try await replay(.full))
    redacted.append(try await replay(.redacted))
}
let f = full.max()!, r = redacted.max()!
print("Replay of \(requests) streamed answers (~1.5 KB each) into SQLite, concurrency 16, best of 3 alternating runs:")
print(String(format: "  mode full      %8.0f requests/s", f))
print(String(format: "  mode redacted  %8.0f requests/s   (%.1f%% of full)", r, r / f * 100))
try await http.shutdown().get()
await simulator.stop()
try? store.close()
try? FileManager.default.removeItem(at: folder)
if sink == 42 { print("") }
