import ArgumentParser
import Foundation
import TollgateCore
import TollgateDemo
import TollgateEngine
import TollgateReport
import TollgateServer
import TollgateSimulator
import TollgateStore

/// `tollgate demo`: a complete rollout against simulated models on this machine.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a complete rollout against two simulated models and a gateway on loopback.",
        discussion: """
        Starts two OpenAI-compatible simulators on free loopback ports (the candidate slower at \
        prefill, failing some requests and a little worse in quality), Tollgate's gateway in front \
        of them, and runs pipelines/demo.yaml through shadow and canary stages until the judge \
        rolls it back, then writes the run's HTML report and prints its path. With --healthy the candidate matches the baseline and is promoted. Uses a \
        temporary database unless --db is given. Exit status: 0 promoted, 3 rolled back.
        """
    )

    @Flag(help: "Run a healthy candidate, which is promoted.")
    var healthy = false

    @Option(help: ArgumentHelp("The pipeline to run (its endpoints are replaced by the simulators').", valueName: "FILE"))
    var pipeline = "pipelines/demo.yaml"

    @Option(help: ArgumentHelp("Keep the run in this database (default: a temporary one).", valueName: "FILE"))
    var db: String?

    @Option(help: ArgumentHelp("Where to write the run's HTML report (default: RUN.html in the current folder).", valueName: "FILE"))
    var report: String?

    @Option(help: "Seed of the simulators.")
    var seed: UInt64 = 7

    func run() async throws {
        guard FileManager.default.fileExists(atPath: pipeline) else {
            throw CommandFailure.badInput("\(pipeline) not found; run the demo from the repository's top folder or pass --pipeline.")
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-demo-\(UUID().uuidString).db").path
        let path = db ?? temporary
        defer { if db == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } } }
        let store = try RunStore(path: path)
        Output.line("Tollgate demo: \(healthy ? "a healthy" : "an unhealthy") candidate, pipeline \(pipeline), database \(db ?? "(temporary)")")
        let outcome = try await DemoScenario.run(pipelinePath: pipeline, healthy: healthy, store: store, seed: seed,
                                                 onStarted: { runID, env in
                                                     Output.line("baseline \(env.baseline.baseURL)  candidate \(env.candidate.baseURL)  gateway \(env.running.baseURL)")
                                                     Output.line("run \(runID)")
                                                 },
                                                 onProgress: progressPrinter(quiet: false))
        Output.line()
        outcome.report.explanation().forEach { Output.line($0) }
        do {
            let written = try RunReports.write(runID: outcome.runID, store: store, to: report)
            Output.line()
            Output.line("report: \(URL(fileURLWithPath: written).standardizedFileURL.path)")
        } catch {
            Output.error("tollgate: the run ended but its report could not be written: \(error)")
        }
        throw TollgateExit.forRun(outcome.state)
    }
}
