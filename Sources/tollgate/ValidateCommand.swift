import ArgumentParser
import TollgateCore
import TollgateTraffic

/// `tollgate validate FILE...`: checks pipelines, eval suites and drift suites.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check pipeline, eval suite and drift suite files, reporting every problem.",
        discussion: """
        Each problem is printed as FILE:LINE:COLUMN: MESSAGE. Paths inside a file (traffic, \
        eval cases, suites) are resolved relative to that file and must exist.
        Exit status: 0 when every file is valid, 2 when any is not.
        """
    )

    @Argument(help: ArgumentHelp("Files to check (YAML).", valueName: "FILE"))
    var files: [String]

    @Flag(help: "Print the result as JSON: one object per file with its kind and errors.")
    var json = false

    struct FileResult: Encodable {
        var file: String
        var valid: Bool
        var kind: String?
        var errors: [Diagnostic]
    }

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one file to check, e.g. `tollgate validate pipelines/*.yaml`.") }
    }

    func run() throws {
        var results: [FileResult] = []
        for file in files {
            do {
                let document = try DocumentLoader.load(at: file)
                let kind: String
                var errors: [Diagnostic] = []
                switch document {
                case .pipeline(let pipeline):
                    kind = "pipeline"
                    if let problem = Self.trafficProblem(pipeline) { errors.append(problem) }
                case .evalSuite: kind = "evalsuite"
                case .driftSuite: kind = "driftsuite"
                }
                results.append(FileResult(file: file, valid: errors.isEmpty, kind: kind, errors: errors))
            } catch {
                results.append(FileResult(file: file, valid: false, kind: nil, errors: error.diagnostics))
            }
        }
        if json {
            try Output.printJSON(results)
        } else {
            for result in results {
                // Unbuffered, like the summary on stderr, so the two never run into each other.
                if result.valid {
                    Output.line("\(result.file): ok (\(result.kind ?? "?"))")
                } else {
                    result.errors.forEach { Output.line($0.description) }
                }
            }
            let invalid = results.filter { !$0.valid }
            if !invalid.isEmpty {
                let problems = invalid.reduce(0) { $0 + $1.errors.count }
                Output.error("\(problems) problem\(problems == 1 ? "" : "s") in \(invalid.count) of \(results.count) file\(results.count == 1 ? "" : "s").")
            }
        }
        if results.contains(where: { !$0.valid }) { throw TollgateExit.invalidInput }
    }

    /// A pipeline's replayed traffic file with no usable request, as a problem at the file's first
    /// malformed line (a replay of it would judge nothing).
    static func trafficProblem(_ pipeline: Pipeline) -> Diagnostic? {
        guard let source = pipeline.traffic.source else { return nil }
        do {
            let census = try TrafficReader.census(path: source)
            guard let problem = census.problem else { return nil }
            return Diagnostic(file: source, line: census.firstMalformed?.line ?? 1, column: 1, message: problem)
        } catch {
            return Diagnostic(file: source, line: 1, column: 1, message: "\(error)")
        }
    }
}
