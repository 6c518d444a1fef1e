import Foundation
import TollgateCore

/// A model server Tollgate started from a version's `start_command` (`/bin/sh -c`, in a process
/// group of its own) and stops by its PID: SIGTERM to the group, SIGKILL after a grace period.
/// Its output goes to a log file, never to Tollgate's own output.
final class ServerProcess: @unchecked Sendable {
    let pid: Int32
    private let process: Process

    /// Starts `command`; output is appended to `logPath` (or discarded).
    init(command: String, logPath: String?) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `exec` replaces the shell, so the PID is the server's own.
        process.arguments = ["-c", "exec " + command]
        process.standardInput = FileHandle.nullDevice
        if let logPath, let handle = try? PrivateFiles.createForWriting(logPath) {
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        do {
            try process.run()
        } catch {
            throw QualifyError.cannotStart(command: command, reason: error.localizedDescription)
        }
        self.process = process
        self.command = command
        pid = process.processIdentifier
        // A group of its own, so children the server forks are stopped with it.
        _ = setpgid(pid, pid)
    }

    var isRunning: Bool { process.isRunning }
    /// The exit status once it has exited.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
    let command: String

    /// Stops the server and waits until it has exited.
    func stop(timeout: Duration) async {
        guard process.isRunning else { return }
        let target = getpgid(pid) == pid ? -pid : pid
        kill(target, SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(target, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
    }
}
