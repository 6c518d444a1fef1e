import ArgumentParser

/// The `tollgate` command: releases new versions of GenAI models through staged,
/// statistically judged rollouts. Each subcommand lives in its own file and only
/// parses arguments and calls the library.
@main
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
