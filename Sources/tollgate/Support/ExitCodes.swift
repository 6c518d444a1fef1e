import ArgumentParser
import TollgateEngine
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
