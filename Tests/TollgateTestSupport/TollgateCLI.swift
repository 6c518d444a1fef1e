public import Foundation

/// The real `tollgate` executable, started as a user would start it: from the repository root,
/// with the test's environment minus `TOLLGATE_DB` (so a developer's own database is never
/// touched) plus what the test adds. One runner for every test target that drives the CLI.
public enum TollgateCLI {
    /// What a finished command left: its exit status and everything it printed.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Why a command could not be run or did not finish in time.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The repository's root folder (the working directory commands run in).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `tollgate` executable built next to the tests.
    public static func binary() throws -> URL {
        guard let url = BuiltProducts.url(of: "tollgate") else {
            throw Failure(description: "the tollgate executable was not built next to the tests (run `swift build --build-tests`)")
        }
        return url
    }

    /// The environment commands run with: the test's own without `TOLLGATE_DB`, then `extra`.
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "TOLLGATE_DB")
        env.merge(extra) { $1 }
        return env
    }

    /// Starts `tollgate ARGUMENTS` in the repository root; the caller stops it (`defer { child.stop() }`).
    public static func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(try binary(), arguments, environment: environment(extra), currentDirectory: root)
    }

    /// Runs `tollgate ARGUMENTS` to the end (at most `timeout`), then stops it by its PID either way.
    public static func run(_ arguments: [String], environment extra: [String: String] = [:],
                           timeout: Duration = .seconds(60)) async throws -> Result {
        let child = try start(arguments, environment: extra)
        defer { child.stop() }
        guard let status = await child.waitForExit(timeout: timeout) else {
            throw Failure(description: "tollgate \(arguments.joined(separator: " ")) did not finish within \(timeout): \(child.stdout) \(child.stderr)")
        }
        return Result(status: status, stdout: child.stdout, stderr: child.stderr)
    }
}
