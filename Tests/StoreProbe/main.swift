// A child process for the store's multi-process tests: writes batches of samples to a
// database and reports each committed batch on stdout, so a test can run two writers at
// once or SIGKILL one in the middle of a batch.
import Foundation
import TollgateCore
import TollgateStore

/// Writes a line to stdout unbuffered, so the parent sees it before a SIGKILL.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let args = CommandLine.arguments
guard args.count >= 5, let batches = Int(args[3]), let batchSize = Int(args[4]) else {
    FileHandle.standardError.write(Data("usage: tollgate-store-probe DB NAME BATCHES BATCH_SIZE   (BATCHES 0 = forever)\n".utf8))
    exit(2)
}
do {
    let store = try RunStore(path: args[1])
    let run = try store.createRun(NewRun(kind: .replay, name: args[2]))
    report("run \(run.id)")
    var committed = 0
    var batch = 0
    while batches == 0 || batch < batches {
        let samples = (0..<batchSize).map { i in
            Sample(requestID: "\(args[2])-\(batch)-\(i)", arm: i % 2 == 0 ? .baseline : .candidate,
                   startedAt: Date(), ttftMs: Double(i), chunkTimesMs: (0..<64).map(Double.init),
                   e2eMs: Double(i) + 64, outputTokens: 64, responseText: String(repeating: "x", count: 200))
        }
        try store.insertSamples(samples, runID: run.id, stage: 0)
        committed += batchSize
        batch += 1
        report("committed \(committed)")
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
