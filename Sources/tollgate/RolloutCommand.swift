import ArgumentParser
import Dispatch
import Foundation
import TollgateCore
import TollgateEngine
import TollgateStore

/// `tollgate rollout ...`: start, watch and steer staged rollouts.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Start, watch and steer staged rollouts (shadow → canary → full).",
        discussion: """
        Exit codes of `start` and `resume`: 0 promoted, 3 rolled back or aborted, 4 paused or \
        waiting for approval (with --exit-on-wait), 2 invalid pipeline or unknown run, 1 failure.

        Exit codes of the operator commands (approve, reject, pause, promote, abort, rollback): 0 \
        when the command is recorded in the run's journal, whether the process driving the run \
        applies it or, for abort and rollback of a run nobody drives, this command applies it at \
        once; 2 unknown run or a command the run's state does not allow; 1 failure (database, router).
        """,
        subcommands: [
            RolloutStart.self, RolloutStatus.self, RolloutList.self, RolloutApprove.self, RolloutReject.self,
            RolloutPause.self, RolloutResume.self, RolloutPromote.self, RolloutAbort.self, RolloutRollback.self,
            RolloutExplain.self,
        ]
    )
}

/// Options shared by the commands that drive a run in this process.
struct DriveOptions: ParsableArguments {
    @Flag(help: "Exit with status 4 when the run pauses or waits for approval, instead of waiting (resume it later with `tollgate rollout resume RUN`).")
    var exitOnWait = false

    @Flag(help: "Print only the final outcome, not each event.")
    var quiet = false
}

/// Drives a run in this process with live progress, and turns the outcome into an exit code.
///
/// SIGINT and SIGTERM stop the driving at its next step (the in-flight requests are cut and
/// not counted); the run is then left as the pipeline's `rollback.on_interrupt` says (paused by
/// default) with its lease released, and the exit code is 128 + the signal. With `failRunOnError`
/// (a `rollout start`), any other failure ends the run `failed` with the reason.
func driveRun(_ engine: RolloutEngine, options: DriveOptions, failRunOnError: Bool = false) async throws -> ExitCode {
    let driving = Task { try await engine.drive(returnWhenWaiting: options.exitOnWait) }
    let received = InterruptSignals { driving.cancel() }
    defer { received.stop() }
    let state: RunState
    do {
        state = try await driving.value
    } catch {
        if let signal = received.signal {
            return try await leaveInterrupted(engine, signal: signal)
        }
        Output.error("tollgate: \(error)")
        if failRunOnError, !(error is EngineError) {
            do { try await engine.fail(reason: "\(error)") } catch {
                Output.error("tollgate: the run could not be marked failed: \(error)")
            }
            Output.line("FAILED: run \(engine.runID) ended failed; fix the cause and start a new run.")
        }
        return TollgateExit.failure
    }
    switch state.phase {
    case .promoted: Output.line("PROMOTED: \(state.finish?.reason ?? "")")
    case .rolledBack: Output.line("ROLLED BACK: \(state.finish?.reason ?? "")")
    case .aborted: Output.line("ABORTED: \(state.finish?.reason ?? "")")
    case .paused: Output.line("PAUSED: \(state.pauseReason ?? "") — continue with `tollgate rollout resume \(engine.runID)`")
    case .awaitingApproval: Output.line("WAITING FOR APPROVAL — `tollgate rollout approve \(engine.runID)`, then `tollgate rollout resume \(engine.runID)`")
    case .failed, .created, .running, .completed: Output.line("STOPPED: \(state.phase.rawValue)")
    }
    Output.line("Explanation: tollgate rollout explain \(engine.runID)")
    return TollgateExit.forRun(state)
}

/// Leaves a run whose driving a signal cut short, as its pipeline's `rollback.on_interrupt` says.
private func leaveInterrupted(_ engine: RolloutEngine, signal: Int32) async throws -> ExitCode {
    let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
    let state: RunState
    do {
        state = try await engine.interrupt(reason: "interrupted by \(name)", action: engine.pipeline.rollback.onInterrupt)
    } catch {
        Output.error("tollgate: interrupted by \(name), and the run could not be left cleanly: \(error); `tollgate rollout resume \(engine.runID)` continues it.")
        return ExitCode(128 + signal)
    }
    switch state.phase {
    case .paused:
        Output.line("PAUSED: interrupted by \(name); nobody judges the run now. Continue with `tollgate rollout resume \(engine.runID)`, or roll back with `tollgate rollout rollback \(engine.runID) --reason …`.")
    case .rolledBack:
        Output.line("ROLLED BACK: interrupted by \(name) (rollback.on_interrupt: rollback).")
    default:
        Output.line("STOPPED: \(state.phase.rawValue) (interrupted by \(name)).")
    }
    return ExitCode(128 + signal)
}

/// SIGINT and SIGTERM, caught while a run is driven: the first one calls `onSignal` (which
/// cancels the driving task) and is remembered; the default handlers come back at ``stop()``.
final class InterruptSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [any DispatchSourceSignal] = []

    init(onSignal: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { number in
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let first = self.lock.withLock { () -> Bool in
                    guard self.received == nil else { return false }
                    self.received = number
                    return true
                }
                if first { onSignal() }
            }
            source.resume()
            return source
        }
    }

    /// The signal received, if any.
    var signal: Int32? { lock.withLock { received } }

    func stop() {
        sources.forEach { $0.cancel() }
        [SIGINT, SIGTERM].forEach { _ = Foundation.signal($0, SIG_DFL) }
    }
}

/// Prints one progress line per engine event.
func progressPrinter(quiet: Bool) -> (@Sendable (RunProgress) -> Void)? {
    guard !quiet else { return nil }
    return { progress in
        var line = "[\(Output.clock(Date()))] "
        if let stage = progress.stageName { line += "\(stage) " }
        // A stage that starts names its own weight (the router's is set just after): one weight per line.
        if let weight = progress.weight, progress.event != "stage_started" { line += "w=\(weight)% " }
        if progress.baselineSamples + progress.candidateSamples > 0 {
            line += "n=\(progress.baselineSamples)/\(progress.candidateSamples) "
        }
        Output.line(line + progress.message)
        if let verdict = progress.verdict {
            for metric in verdict.metrics { Output.line("      \(metric.metric) [\(metric.outcome)] \(metric.sentence)") }
        }
    }
}

struct RolloutStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a rollout of a pipeline and drive it in this process.",
        discussion: "The pipeline file's text is stored with the run, so its criteria cannot change under it. One active run per model: a second start for the same model is refused with the owner named."
    )

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "PIPELINE"))
    var pipelinePath: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var drive: DriveOptions

    @Flag(help: "Create the run and exit: `tollgate serve` on the same database drives it.")
    var detach = false

    func run() async throws {
        let pipeline = try DocumentLoader.loadPipeline(at: pipelinePath)
        let store = try database.open()
        let prepared = try await PreparedRollout.start(pipelinePath: pipelinePath, pipeline: pipeline, store: store,
                                                       onProgress: progressPrinter(quiet: drive.quiet))
        defer { prepared.shutdown() }
        let run = prepared.run
        if detach {
            Output.line("Run \(run.id): created; `tollgate serve --db \(store.path)` drives it (with the same environment variables). Follow it with `tollgate rollout status \(run.id) --watch`.")
            return
        }
        Output.line("Run \(run.id): \(pipeline.name), \(pipeline.model.baseline.version) → \(pipeline.model.candidate.version), \(pipeline.stages.count) stages")
        throw try await driveRun(prepared.engine, options: drive, failRunOnError: true)
    }
}

/// The run a command acts on: the id or prefix given, else the newest rollout (for a command
/// that changes a run — `mustName` — only when it is the only one: with several, RUN is required).
struct RunSelector: ParsableArguments {
    @Argument(help: ArgumentHelp("The run id or a unique prefix (default: the newest rollout; commands that change a run need it when there are several).", valueName: "RUN"))
    var runID: String?

    /// An unknown or ambiguous id, or no rollout to default to, is bad input (exit 2); a database
    /// that cannot be read is an operational failure (exit 1), as for every command.
    func resolve(in store: RunStore, mustName: Bool = false) throws -> Run {
        if let runID { return try store.run(runID) }
        let newest = try store.runs(limit: 2, kinds: [.rollout])
        guard let first = newest.first else {
            throw CommandFailure.badInput("no rollout recorded in \(store.path); start one with `tollgate rollout start PIPELINE`.")
        }
        if mustName, newest.count > 1 {
            throw CommandFailure.badInput("\(store.path) holds several rollouts; name the run (`tollgate rollout list` shows them; the newest is \(first.id)).")
        }
        return first
    }
}

struct RolloutStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a rollout's state, stage, weight, samples per arm and latest verdict.")

    @OptionGroup var selector: RunSelector
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print the status as JSON.") var json = false
    @Flag(help: "Refresh every second until the run ends (the screen is cleared only on a terminal; with --json, one compact JSON document per line).") var watch = false

    func run() async throws {
        let store = try database.openExisting()
        let run = try selector.resolve(in: store)
        while true {
            let report = try RunReport.load(runID: run.id, store: store)
            if json {
                // Watching: one compact document per refresh (JSON Lines).
                try Output.printJSON(report, compact: watch)
            } else {
                // Clear the screen only on a terminal; a pipe or a log gets plain refreshes.
                if watch && Output.stdoutIsTerminal { FileHandle.standardOutput.write(Data("\u{1B}[2J\u{1B}[H".utf8)) }
                Output.line("Run \(report.run.id)  \(report.run.name)  \(report.run.baselineVersion ?? "?") → \(report.run.candidateVersion ?? "?")")
                Output.line("  state:  \(report.phase)" + (report.activeStage.map { "   stage: \($0)" } ?? "") + (report.weight.map { "   candidate weight: \($0)%" } ?? ""))
                for (stage, counts) in report.samples.sorted(by: { $0.key < $1.key }) {
                    Output.line("  samples \(stage): baseline \(counts["baseline"] ?? 0), candidate \(counts["candidate"] ?? 0)")
                }
                if let latest = report.latest {
                    Output.line("  latest verdict (\(latest.stage)): \(latest.verdict.decision.rawValue)" + (latest.verdict.score.map { String(format: ", score %.1f", $0) } ?? ""))
                    for metric in latest.verdict.metrics { Output.line("    \(metric.metric) [\(metric.outcome)] \(metric.sentence)") }
                }
                if !report.pendingCommands.isEmpty { Output.line("  pending commands: \(report.pendingCommands.joined(separator: ", "))") }
                if let last = report.decisions.last { Output.line("  last decision: \(last.action) — \(last.reason)") }
            }
            guard watch, !(RunState.Phase(rawValue: report.phase)?.isTerminal ?? true) else { return }
            try await Task.sleep(for: .seconds(1))
        }
    }
}

struct RolloutList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List rollouts, newest first.")
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print the list as JSON.") var json = false

    func run() throws {
        let store = try database.openExisting()
        let runs = try RunSummary.load(store: store, kinds: [.rollout])
        if json { try Output.printJSON(runs); return }
        if runs.isEmpty { Output.line("No rollouts recorded in \(store.path)."); return }
        Output.line(Output.table(["RUN", "PIPELINE", "VERSIONS", "STATE", "STARTED", "OUTCOME"], runs.map {
            [$0.id, $0.name, "\($0.baselineVersion ?? "?") → \($0.candidateVersion ?? "?")", $0.state, Output.timestamp($0.createdAt), $0.outcome ?? ""]
        }))
    }
}

/// What every operator command takes: the run, the database, and the reason journaled with the
/// command (``OperatorCommands/needsReason`` says which commands require one).
struct OperatorOptions: ParsableArguments {
    @OptionGroup var selector: RunSelector
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Why (journaled; required for promote, abort and rollback).")
    var reason: String?
}

/// Appends an operator command to a run's journal; the engine driving the run applies it
/// within one check interval.
protocol OperatorCommandLine: AsyncParsableCommand {
    var options: OperatorOptions { get }
    static var operatorCommand: OperatorCommand { get }
    var toFull: Bool { get }
}

extension OperatorCommandLine {
    var toFull: Bool { false }
    var operatorCommand: OperatorCommand { Self.operatorCommand }

    func validate() throws {
        if OperatorCommands.needsReason.contains(Self.operatorCommand), options.reason == nil {
            throw ValidationError("\(Self.operatorCommand.rawValue) needs --reason: it is journaled with the run.")
        }
    }

    func run() async throws {
        let store = try options.database.openExisting()
        let run = try options.selector.resolve(in: store, mustName: true)
        let user = ProcessInfo.processInfo.environment["USER"] ?? "operator"
        let command = RunEventPayload.Command(command: operatorCommand, reason: options.reason, source: "cli:\(user)", full: toFull ? true : nil)
        switch try await OperatorCommands.requestAndApply(command, run: run, store: store) {
        case .requested(let owner):
            Output.line("\(operatorCommand.rawValue): requested; \(owner) applies it within one check interval.")
        case .applied(let state):
            switch state.phase {
            case .rolledBack: Output.line("ROLLED BACK: \(state.finish?.reason ?? "")")
            case .aborted: Output.line("ABORTED: \(state.finish?.reason ?? "")")
            default: Output.line("\(operatorCommand.rawValue): not applied; the run is \(state.phase.rawValue).")
            }
            // Operator commands exit 0 once the command is carried out, here or by the driver.
            guard state.phase == .rolledBack || state.phase == .aborted else { throw TollgateExit.failure }
        case .recorded:
            Output.line("\(operatorCommand.rawValue): recorded. No process is driving run \(run.id); continue it with `tollgate rollout resume \(run.id)`.")
        }
    }
}

struct RolloutApprove: OperatorCommandLine {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a run waiting at an approval gate.")
    static let operatorCommand = OperatorCommand.approve
    @OptionGroup var options: OperatorOptions
}

struct RolloutReject: OperatorCommandLine {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject a run waiting at an approval gate: it rolls back.")
    static let operatorCommand = OperatorCommand.reject
    @OptionGroup var options: OperatorOptions
}

struct RolloutPause: OperatorCommandLine {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a run: it keeps its weight and stops judging until resumed.")
    static let operatorCommand = OperatorCommand.pause
    @OptionGroup var options: OperatorOptions
}

struct RolloutPromote: OperatorCommandLine {
    static let configuration = CommandConfiguration(commandName: "promote", abstract: "Complete the current stage without judgement (with --full, go straight to 100%); needs --reason.")
    static let operatorCommand = OperatorCommand.promote
    @OptionGroup var options: OperatorOptions
    @Flag(help: "Skip every remaining stage up to full.") var full = false
    var toFull: Bool { full }
}

struct RolloutAbort: OperatorCommandLine {
    static let configuration = CommandConfiguration(commandName: "abort", abstract: "Abort a run: the candidate's weight goes to 0 and the run ends; needs --reason.")
    static let operatorCommand = OperatorCommand.abort
    @OptionGroup var options: OperatorOptions
}

struct RolloutRollback: OperatorCommandLine {
    static let configuration = CommandConfiguration(commandName: "rollback", abstract: "Roll a run back now: the candidate's weight goes to 0 first, then the reason is journaled; needs --reason.")
    static let operatorCommand = OperatorCommand.rollback
    @OptionGroup var options: OperatorOptions
}

struct RolloutResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run in this process: after a crash, a pause, an approval, or when its lease expired.",
        discussion: "Reads the journal, re-applies the recorded weight, keeps the samples already collected and continues the current stage. A paused run is resumed."
    )
    @OptionGroup var selector: RunSelector
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var drive: DriveOptions

    func run() async throws {
        let store = try database.openExisting()
        let run = try selector.resolve(in: store, mustName: true)
        switch try PreparedRollout.resume(run, store: store, source: "cli:resume", onProgress: progressPrinter(quiet: drive.quiet)) {
        case .finished(let state, let message):
            // Nothing to resume: the exit code says how the run ended.
            Output.error("tollgate: \(message)")
            throw TollgateExit.forRun(state)
        case .ready(let prepared, let state):
            defer { prepared.shutdown() }
            Output.line("Resuming run \(run.id) at \(state.activeStage.map { prepared.pipeline.stages[$0].name } ?? "the next stage")")
            throw try await driveRun(prepared.engine, options: drive)
        }
    }
}

struct RolloutExplain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain", abstract: "Explain every decision of a run with the numbers behind it.")
    @OptionGroup var selector: RunSelector
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let store = try database.openExisting()
        let run = try selector.resolve(in: store)
        let report = try RunReport.load(runID: run.id, store: store)
        if json { try Output.printJSON(report) } else { report.explanation().forEach { Output.line($0) } }
    }
}
