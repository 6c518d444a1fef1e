import Foundation

/// A router that runs the user's own command to change the split, for setups Tollgate does not
/// know (a service mesh CLI, a feature flag, a config push).
///
/// The command is a shell command line with placeholders: `{weight}` (the candidate's percent)
/// and `{baseline_weight}` (100 minus it), for example
/// `./scripts/set-split.sh --candidate {weight} --baseline {baseline_weight}`. It runs under
/// `/bin/sh -c`; exit status 0 means success, and its output goes into the receipt for the journal.
/// An optional read command prints the current candidate percent (the last integer printed wins).
public struct CommandRouter: TrafficRouter {
    public var setCommand: String
    public var readCommand: String?
    public var timeout: Duration
    public var shell: String

    /// - Parameters:
    ///   - setCommand: the command line run to set the weight; must contain `{weight}` or `{baseline_weight}`.
    ///   - readCommand: a command line that prints the candidate's current percent, if there is one.
    ///   - timeout: how long either command may run before it is stopped.
    public init(setCommand: String, readCommand: String? = nil, timeout: Duration = .seconds(60), shell: String = "/bin/sh") throws {
        guard setCommand.contains("{weight}") || setCommand.contains("{baseline_weight}") else {
            throw RouterError.invalidConfiguration("the command `\(setCommand)` has neither a {weight} nor a {baseline_weight} placeholder, so it cannot set a weight.")
        }
        self.setCommand = setCommand
        self.readCommand = readCommand
        self.timeout = timeout
        self.shell = shell
    }

    public var summary: String { "command `\(setCommand)`" }

    /// The command line that sets `candidatePercent`, placeholders filled in.
    public func renderedCommand(for candidatePercent: Int) -> String {
        setCommand
            .replacingOccurrences(of: "{baseline_weight}", with: String(100 - candidatePercent))
            .replacingOccurrences(of: "{weight}", with: String(candidatePercent))
    }

    public func setWeight(_ candidatePercent: Int) async throws -> RouterReceipt {
        try Self.validate(candidatePercent)
        let line = renderedCommand(for: candidatePercent)
        let outcome = try await ProcessRunner(timeout: timeout).run(shell, ["-c", line], display: line, router: "command")
        guard outcome.status == 0 else {
            throw RouterError.commandFailed(command: line, status: outcome.status, output: outcome.output)
        }
        let detail = outcome.output.isEmpty ? "$ \(line)" : "$ \(line)\n\(outcome.output)"
        return RouterReceipt(router: "command", candidatePercent: candidatePercent, detail: detail)
    }

    public func currentWeight() async throws -> Int? {
        guard let readCommand else { return nil }
        let outcome = try await ProcessRunner(timeout: timeout).run(shell, ["-c", readCommand], display: readCommand, router: "command")
        guard outcome.status == 0 else {
            throw RouterError.commandFailed(command: readCommand, status: outcome.status, output: outcome.output)
        }
        let integers = outcome.output
            .split(whereSeparator: { !$0.isNumber })
            .compactMap { Int($0) }
        guard let weight = integers.last, (0...100).contains(weight) else {
            throw RouterError.unexpectedAnswer(router: "command", answer: "`\(readCommand)` printed no percentage from 0 to 100: \(outcome.output)")
        }
        return weight
    }
}
