import Foundation
import TollgateCore
public import TollgateEngine
public import TollgateStore

/// `tollgate demo`: a full rollout of `pipelines/demo.yaml` against a ``DemoEnvironment``.
public enum DemoScenario {
    /// What the demo ended with.
    public struct Outcome: Sendable {
        public var runID: String
        public var state: RunState
        public var report: RunReport
    }

    /// Starts the environment, runs the pipeline at `pipelinePath` through it (addresses
    /// substituted, the text snapshotted with the run), and stops everything.
    public static func run(pipelinePath: String, healthy: Bool, store: RunStore, seed: UInt64 = 7,
                           onStarted: @Sendable (String, DemoEnvironment) -> Void = { _, _ in },
                           onProgress: (@Sendable (RunProgress) -> Void)?) async throws -> Outcome {
        let template = try String(contentsOfFile: pipelinePath, encoding: .utf8)
        let directory = URL(fileURLWithPath: pipelinePath).deletingLastPathComponent()
        guard let sourceLine = template.range(of: #"source: [^,}\n]+"#, options: .regularExpression) else {
            throw RolloutAssembly.AssemblyError.missingSetting("\(pipelinePath) has no traffic.source for the demo to replay.")
        }
        let relative = template[sourceLine].dropFirst("source: ".count).trimmingCharacters(in: .whitespaces)
        let trafficPath = directory.appendingPathComponent(relative).standardizedFileURL.path

        let environment = try await DemoEnvironment.start(healthy: healthy, seed: seed)
        do {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-demo-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent(URL(fileURLWithPath: pipelinePath).lastPathComponent).path
            try environment.pipelineText(from: template, trafficPath: trafficPath).write(toFile: path, atomically: true, encoding: .utf8)
            let pipeline = try DocumentLoader.loadPipeline(at: path)

            var env = ProcessInfo.processInfo.environment
            if let variable = pipeline.router.gateway?.tokenEnv { env[variable] = environment.adminToken }
            let assembly = try RolloutAssembly(pipeline: pipeline, store: store, environment: env)
            defer { assembly.shutdown() }
            let run = try RolloutEngine.createRun(pipelinePath: path, pipeline: pipeline, store: store)
            onStarted(run.id, environment)
            let engine = RolloutEngine(store: store, runID: run.id, pipeline: pipeline,
                                       dependencies: try assembly.dependencies(onProgress: onProgress))
            let state = try await engine.drive()
            let report = try RunReport.load(runID: run.id, store: store)
            await environment.stop()
            return Outcome(runID: run.id, state: state, report: report)
        } catch {
            await environment.stop()
            throw error
        }
    }
}
