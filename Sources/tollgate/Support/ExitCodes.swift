import ArgumentParser
import Foundation
import TollgateCore
import TollgateEngine
import TollgateStats
import TollgateStore

/// Tollgate's exit codes, documented in README ("Exit codes"). Scripts and CronJobs branch on them.
enum TollgateExit {
    /// Success: files valid, run promoted, no drift.
    static let success = ExitCode(0)
    /// An operational failure: the database or a server could not be reached, an I/O error.
    static let failure = ExitCode(1)
    /// The input is invalid: a file failed validation, a run id is unknown, a data file is malformed.
    static let invalidInput = ExitCode(2)
    /// The run was rolled back or aborted.
    static let rolledBack = ExitCode(3)
    /// The run is paused or waiting for approval.
    static let waiting = ExitCode(4)
    /// A drift suite found drift.
    static let drift = ExitCode(5)
    /// `eval run`: the candidate is worse than the baseline or incompatible.
    static let qualityFailed = ExitCode(6)
    /// The command was interrupted (Ctrl-C) before it finished.
    static let interrupted = ExitCode(130)
}

extension TollgateExit {
    /// The exit code for the state a driven run stopped in.
    static func forRun(_ state: RunState) -> ExitCode {
        switch state.phase {
        case .promoted: return success
        case .rolledBack, .aborted: return rolledBack
        case .paused, .awaitingApproval: return waiting
        case .failed, .created, .running, .completed: return failure
        }
    }
}

extension TollgateExit {
    /// The exit code of an error that ends a command: the one place where an error's kind
    /// becomes an exit code (2 bad input, 1 an operational failure). Errors that are not
    /// classified are operational failures.
    static func code(for error: any Error) -> ExitCode {
        kind(of: error) == .badInput ? invalidInput : failure
    }

    /// Bad input or an operational failure, as the error says.
    static func kind(of error: any Error) -> FailureKind {
        switch error {
        case let classified as any ClassifiedError: return classified.kind
        // TollgateStats depends on nothing of ours, so its errors cannot say it: every one is about the data given.
        case is StatsError: return .badInput
        default: return .operational
        }
    }

    /// Writes what went wrong to stderr (`tollgate: MESSAGE`, or a file's located problems as
    /// they are) and exits with the error's code. ArgumentParser's own errors (usage, `--help`,
    /// an ``ExitCode`` thrown on purpose) are left to it.
    static func exit(with error: any Error) -> Never {
        switch error {
        case let load as LoadError:
            load.diagnostics.forEach { Output.error($0.description) }
        case let problem as NumberFile.Problem:
            Output.error(problem.description)
        case let failure as CommandFailure:
            Output.error(failure.bare ? failure.message : "tollgate: \(failure.message)")
        case is any ClassifiedError, is StatsError:
            Output.error("tollgate: \(error)")
        case let file as CocoaError:
            Output.error("tollgate: \(file.localizedDescription)")
        case is ExitCode:
            Tollgate.exit(withError: error)
        default:
            // Usage errors, --help and --version are ArgumentParser's; anything else is an operational failure.
            guard Tollgate.exitCode(for: error) == .failure else { Tollgate.exit(withError: error) }
            Output.error("tollgate: \(error)")
        }
        Tollgate.exit(withError: code(for: error))
    }
}

/// A failure a command finds itself (no rollout recorded, a file that cannot be read), worded for
/// the user. Throw it instead of printing and exiting: ``TollgateExit/exit(with:)`` prints it and
/// picks the exit code.
struct CommandFailure: ClassifiedError {
    let kind: FailureKind
    let message: String
    /// Printed as it is, without the `tollgate:` prefix (a report's own sentence, `path:line: problem`).
    var bare = false

    var description: String { message }

    /// The input is wrong (exit 2).
    static func badInput(_ message: String, bare: Bool = false) -> CommandFailure {
        CommandFailure(kind: .badInput, message: message, bare: bare)
    }

    /// The world failed (exit 1).
    static func operational(_ message: String) -> CommandFailure {
        CommandFailure(kind: .operational, message: message)
    }

    /// `error` with what the command was doing in front of it, of the same kind.
    static func context(_ context: String, _ error: any Error) -> CommandFailure {
        CommandFailure(kind: TollgateExit.kind(of: error), message: "\(context): \(error)")
    }
}
