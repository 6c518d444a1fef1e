import ArgumentParser
import Foundation
import TollgateCore
import TollgateEngine
import TollgateStore

/// `tollgate checklist PIPELINE`: the GenAI deployment checklist against what a pipeline declares.
struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "Show which items of the GenAI deployment checklist a pipeline declares.",
        discussion: """
        Lists the eight sections (model identity, compute, performance objectives, routing and \
        release, autoscaling, observability, reliability, security) with each item marked declared \
        (with its value) or missing. With --strict, exits 2 when an item the pipeline's own \
        `checklist.required` list names is missing. With --measured, shows the declared value, the \
        measured value and the verdict of each item from a `tollgate qualify` run (RUN, else the \
        pipeline's latest); --strict then also exits 2 when a measured item is outside its objective.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json }

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "PIPELINE"))
    var pipeline: String

    @Argument(help: ArgumentHelp("With --measured: the qualify run (id or prefix); default the pipeline's latest.", valueName: "RUN"))
    var runID: String?

    @Flag(help: "Exit with status 2 when an item listed in the pipeline's checklist.required is missing (with --measured, also when a measured item is outside its objective).")
    var strict = false

    @Flag(help: "Show what a `tollgate qualify` run measured of each item, and its verdict.")
    var measured = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if runID != nil, !measured { throw ValidationError("A RUN is given only with --measured.") }
    }

    @Option(help: "Output format: text, markdown or json.")
    var format: Format = .text

    func run() throws {
        let loaded = try DocumentLoader.loadPipeline(at: pipeline)
        if measured { return try printMeasured(loaded) }
        let report = Checklist.report(for: loaded)
        switch format {
        case .json:
            struct Report: Encodable { var pipeline: String; var sections: [Checklist.SectionStatus]; var missingRequired: [String] }
            try Output.printJSON(Report(pipeline: loaded.name, sections: report, missingRequired: missingRequired(report)))
        case .markdown:
            print("# Deployment checklist: \(loaded.name)\n")
            for section in report {
                print("## \(section.number). \(section.title)\n")
                for item in section.items {
                    let value = item.values.sorted { $0.key < $1.key }.map { "`\($0.key)`: \(oneLine($0.value))" }.joined(separator: "; ")
                    print("- [\(item.declared ? "x" : " ")] \(item.text)\(item.required ? " **(required)**" : "")\(value.isEmpty ? "" : " — \(value)")")
                }
                print("")
            }
        case .text:
            for section in report {
                let declared = section.items.filter(\.declared).count
                print("\(section.number). \(section.title) (\(declared)/\(section.items.count) declared)")
                for item in section.items {
                    let mark = item.declared ? "declared" : (item.required ? "MISSING (required)" : "missing")
                    print("   [\(mark)] \(item.text)")
                    for (key, value) in item.values.sorted(by: { $0.key < $1.key }) {
                        print("       \(key): \(oneLine(value))")
                    }
                }
            }
        }
        let missing = missingRequired(report)
        if strict, !missing.isEmpty {
            throw CommandFailure.badInput("Required checklist items missing: \(missing.joined(separator: ", ")).", bare: true)
        }
    }

    /// The verdicts of a qualify run; with --strict, exit 2 on an item outside its objective or a
    /// required item missing.
    private func printMeasured(_ loaded: Pipeline) throws {
        let store = try database.openExisting()
        // A RUN that is not a qualification, or none to default to, is bad input, as an unknown run id is.
        let found: (Run, QualificationReport)
        if let runID {
            let stored = try store.run(runID)
            guard let report = try QualificationRecord.report(runID: stored.id, in: store) else {
                throw CommandFailure.badInput("Run \(stored.id) is not a finished qualification (kind \(stored.kind.rawValue), \(stored.status.rawValue)).", bare: true)
            }
            found = (stored, report)
        } else {
            guard let latest = try QualificationRecord.latest(pipeline: loaded.name, in: store) else {
                throw CommandFailure.badInput("No qualification of \(loaded.name) in \(store.path); run `tollgate qualify \(pipeline)` first.", bare: true)
            }
            found = latest
        }
        let (stored, report) = found
        let outside = report.failures.map(\.id)
        let missing = report.items.filter { $0.required && $0.verdict == .missing }.map(\.id)
        switch format {
        case .json:
            struct Measured: Encodable { var pipeline: String; var run: String; var items: [ItemVerdict]; var outside: [String]; var missingRequired: [String] }
            try Output.printJSON(Measured(pipeline: loaded.name, run: stored.id, items: report.items, outside: outside, missingRequired: missing))
        case .markdown:
            print("# Measured deployment checklist: \(loaded.name) (\(report.arm) \(report.version), run \(stored.id))\n")
            for item in report.items {
                let parts = [item.declared.map { "declared \(oneLine($0))" }, item.measured.map { "measured \(oneLine($0))" },
                             item.objective.map { "objective \(oneLine($0))" }].compactMap { $0 }
                print("- **\(QualifyText.label(item.verdict))** \(item.text)\(parts.isEmpty ? "" : " — " + parts.joined(separator: "; "))")
            }
        case .text:
            print("Measured by run \(stored.id) (\(report.arm) \(report.version), \(Output.timestamp(report.startedAt)))")
            print(QualifyText.items(report.items))
        }
        guard strict, !(outside.isEmpty && missing.isEmpty) else { return }
        let problems = [outside.isEmpty ? nil : "Measured outside objective: \(outside.joined(separator: ", ")).",
                        missing.isEmpty ? nil : "Required checklist items missing: \(missing.joined(separator: ", "))."]
        throw CommandFailure.badInput(problems.compactMap { $0 }.joined(separator: "\n"), bare: true)
    }

    private func missingRequired(_ report: [Checklist.SectionStatus]) -> [String] {
        report.flatMap(\.items).filter { $0.required && !$0.declared }.map(\.id)
    }

    private func oneLine(_ text: String) -> String { QualificationVerdicts.oneLine(text) }
}
