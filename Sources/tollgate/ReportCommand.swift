import ArgumentParser
import Foundation
import TollgateCore
import TollgateReport
import TollgateStore

/// `tollgate report RUN`: a run's report as one self-contained HTML file, Markdown or JSON.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's report: self-contained HTML with plots, a Markdown summary, or JSON.",
        discussion: """
        Works for every kind of run (rollout, replay, shadow, eval, drift, gateway). The HTML file \
        has inline CSS and SVG plots and loads nothing from anywhere: a header with the outcome and \
        its reason, the timeline of candidate weight, checks and operator commands, per stage the \
        distributions (ECDFs on a log axis for latencies), the estimate against the tolerance at \
        every look, a stats table, errors, tokens and throughput, eval cases (regressions first), \
        drift features, the deployment checklist and the journal. Markdown is a compact summary for \
        a pull request or chat. Files are written with mode 0600.
        """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The run id or a unique prefix (see `tollgate history`).", valueName: "RUN"))
    var runID: String

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case html, markdown, json
        var report: ReportFormat {
            switch self {
            case .html: return .html
            case .markdown: return .markdown
            case .json: return .json
            }
        }
    }

    @Option(help: "html, markdown or json.")
    var format: Format = .html

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write it: a file, or - for stdout (default: RUN.html, RUN.md or RUN.json in the current folder).", valueName: "FILE"))
    var output: String?

    func run() throws {
        let store = try database.open()
        do {
            if output == "-" {
                FileHandle.standardOutput.write(Data(try RunReports.render(runID: runID, store: store, format: format.report).utf8))
            } else {
                Output.line(try RunReports.write(runID: runID, store: store, format: format.report, to: output))
            }
        } catch let error as any ClassifiedError {
            throw error
        } catch {
            throw CommandFailure.operational("cannot write the report: \(error.localizedDescription)")
        }
    }
}
