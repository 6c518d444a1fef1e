import Foundation
import TollgateCore

/// Runs an external program (a user's weight script, `kubectl`) to completion, capturing its
/// exit status and its standard output and error interleaved, with a time limit.
struct ProcessRunner: Sendable {
    /// What a finished program returned.
    struct Outcome: Sendable, Equatable {
        var status: Int32
        var output: String
    }

    var timeout: Duration

    /// Runs `executable` with `arguments`; `input` is written to its standard input when given.
    /// Throws ``RouterError/commandTimedOut(command:seconds:)`` when the time limit passes (the
    /// program is terminated first), and ``RouterError/unreachable(router:target:reason:)`` when
    /// it cannot be started at all.
    func run(_ executable: String, _ arguments: [String], display: String, router: String) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice

        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished.continuation.yield($0.terminationStatus); finished.continuation.finish() }
        do {
            try process.run()
        } catch {
            throw RouterError.unreachable(router: router, target: executable, reason: "it could not be started (\(error.localizedDescription))")
        }
        // Read the output on a thread of its own (not one of Swift Concurrency's few cooperative
        // threads, which a blocking read would take away from every other task), so a chatty
        // program never blocks on a full pipe.
        let reader = Task {
            await withCheckedContinuation { (continuation: CheckedContinuation<Data, Never>) in
                Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
            }
        }
        let pid = process.processIdentifier

        let status: Int32? = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in finished.stream { return status }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            // A shell's children (`sleep` in `sh -c`) keep the output pipe open: stop the whole
            // process group when the program leads one, else the program alone.
            let target = getpgid(pid) == pid ? -pid : pid
            kill(target, SIGTERM)
            try? await Task.sleep(for: .milliseconds(200))
            kill(target, SIGKILL)
            _ = await reader.value
            throw RouterError.commandTimedOut(command: display, seconds: DurationText.seconds(timeout))
        }
        let data = await reader.value
        let output = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Outcome(status: status, output: output)
    }
}
