public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started by a test: its output is collected as it arrives, it can be
/// waited on with a deadline, and it is killed by PID when the value is stopped (tests call
/// ``stop()`` in `defer`, so a failing test still cleans up).
///
/// stdout and stderr go to two files in a temporary folder, read whenever a test asks. Once the
/// child has exited, everything it wrote is in them: no pipe to drain, no end of file to wait
/// for (pipes read through `FileHandle.readabilityHandler` once returned a truncated stdout on
/// a loaded machine, and waiting for their end of file timed out).
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let outputFolder: URL
    private let stdoutURL: URL
    private let stderrURL: URL

    /// Starts `executable` with `arguments`; stdout and stderr are captured.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                currentDirectory: URL? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        outputFolder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tollgate-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        stdoutURL = outputFolder.appendingPathComponent("stdout")
        stderrURL = outputFolder.appendingPathComponent("stderr")
        let out = try Self.createFile(at: stdoutURL), err = try Self.createFile(at: stderrURL)
        // The child holds its own copies of the descriptors; the parent's are closed either way.
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    private static func createFile(at url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        return try FileHandle(forWritingTo: url)
    }

    public var pid: Int32 { process.processIdentifier }
    /// Everything the child wrote to stdout so far.
    public var stdout: String { Self.read(stdoutURL) }
    /// Everything the child wrote to stderr so far.
    public var stderr: String { Self.read(stderrURL) }

    private static func read(_ url: URL) -> String {
        String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
    }

    /// Sends SIGKILL to the child (no chance to clean up) and reaps it.
    public func kill() {
        if process.isRunning { Glibc.kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// Sends `signal` without waiting.
    public func signal(_ signal: Int32) {
        if process.isRunning { Glibc.kill(pid, signal) }
    }

    /// Stops the child if it still runs (SIGKILL) and reaps it.
    public func stop() { kill() }

    /// Whether the child ended by a signal it did not catch (``waitForExit(timeout:)`` then
    /// returns the signal's number).
    public var endedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    /// Waits for exit up to `timeout`; returns the exit status (the signal's number when it ended
    /// by one, see ``endedBySignal``), or nil if it still runs.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let finished = await waitUntil(timeout: timeout) { !self.process.isRunning }
        guard finished else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: outputFolder)
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
/// This is a wait on a condition with a deadline, not a sleep-and-hope.
@discardableResult
public func waitUntil(timeout: Duration, _ condition: @Sendable () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Locates executables this package builds (`tollgate`, test probes) next to the test bundle.
public enum BuiltProducts {
    public static func url(of name: String) -> URL? {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["TOLLGATE_BIN_DIR"] {
            candidates.append(URL(fileURLWithPath: dir))
        }
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(argv0.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for dir in candidates {
            let url = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }
}

/// A fresh temporary folder, removed by ``remove()``.
public struct TemporaryFolder: Sendable {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
