import ArgumentParser
import Foundation

/// The process's entry point: refuses `tollgate help NAME` for a command that does not exist
/// (ArgumentParser's help command would print the top-level help and exit 0), then runs ``Tollgate``.
/// An error a command throws is printed and turned into the exit code here, and only here
/// (``TollgateExit/exit(with:)``).
@main
enum TollgateEntry {
    static func main() async {
        if let unknown = Tollgate.unknownHelpTopic(in: Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("tollgate: there is no command '\(unknown)'; `tollgate help` lists the commands.\n".utf8))
            exit(64)
        }
        do {
            var command = try Tollgate.parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            TollgateExit.exit(with: error)
        }
    }
}

/// The `tollgate` command: releases new versions of GenAI models through staged,
/// statistically judged rollouts. Each subcommand lives in its own file and only
/// parses arguments and calls the library.
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "Release new versions of GenAI models safely: shadow, canary, full, with statistical judgement and rollback.",
        version: "0.1.0",
        subcommands: [
            DemoCommand.self,
            RolloutCommand.self,
            ServeCommand.self,
            PruneCommand.self,
            AlertRollbackCommand.self,
            Validate.self,
            ChecklistCommand.self,
            QualifyCommand.self,
            History.self,
            Show.self,
            ReportCommand.self,
            GatewayCommand.self,
            RouterCommand.self,
            ReplayCommand.self,
            ShadowCommand.self,
            SimCommand.self,
            EvalCommand.self,
            DriftCommand.self,
            StatsCommand.self,
            JudgeCommand.self,
        ]
    )
}

extension Tollgate {
    /// For `help A B …`: the first of A, B… that names no subcommand where it stands (`nil`
    /// when the arguments are not a help request, or every name is a command).
    static func unknownHelpTopic(in arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        var commands = configuration.subcommands
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            guard let command = commands.first(where: { type in
                (type.configuration.commandName ?? type._commandName) == name || type.configuration.aliases.contains(name)
            }) else { return name }
            commands = command.configuration.subcommands
        }
        return nil
    }
}
