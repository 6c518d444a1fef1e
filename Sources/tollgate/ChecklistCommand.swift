import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate checklist PIPELINE`: the GenAI deployment checklist against what a pipeline declares.
struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "Show which items of the GenAI deployment checklist a pipeline declares.",
        discussion: """
        Lists the eight sections (model identity, compute, performance objectives, routing and \
        release, autoscaling, observability, reliability, security) with each item marked declared \
        (with its value) or missing. With --strict, exits 2 when an item the pipeline's own \
        `checklist.required` list names is missing.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json }

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "PIPELINE"))
    var pipeline: String

    @Flag(help: "Exit with status 2 when an item listed in the pipeline's checklist.required is missing.")
    var strict = false

    @Option(help: "Output format: text, markdown or json.")
    var format: Format = .text

    func run() throws {
        let loaded: Pipeline
        do {
            loaded = try DocumentLoader.loadPipeline(at: pipeline)
        } catch {
            error.diagnostics.forEach { Output.error($0.description) }
            throw TollgateExit.invalidInput
        }
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
            Output.error("Required checklist items missing: \(missing.joined(separator: ", ")).")
            throw TollgateExit.invalidInput
        }
    }

    private func missingRequired(_ report: [Checklist.SectionStatus]) -> [String] {
        report.flatMap(\.items).filter { $0.required && !$0.declared }.map(\.id)
    }

    private func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return flat.count > 100 ? String(flat.prefix(97)) + "..." : flat
    }
}
