import Foundation
import Testing
import TollgateCore
import TollgateStore
import TollgateTestSupport
import TollgateTraffic
@testable import TollgateEngine

/// ``RunRecording``: a replay or a gateway session recorded as a run.
@Suite("Recording a session as a run")
struct RunRecordingTests {
    static func report(interrupted: Bool, dispatched: Int) throws -> ReplayReport {
        try JSONDecoder().decode(ReplayReport.self, from: Data("""
            {"arms": [], "warmup": [], "malformedLines": [], "malformedCount": 0, "dispatched": \(dispatched),
             "lateDispatches": 0, "interrupted": \(interrupted), "abandoned": 0, "firstSent": {}, "elapsedSeconds": 1}
            """.utf8))
    }

    @Test func aReplayIsRecordedWithItsSamplesReportAndStatus() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let recording = try RunRecording.start(NewRun(kind: .replay, name: "nightly", candidateVersion: "2"), in: store)
        try await recording.sink.write([Sample(requestID: "r1", arm: .candidate, startedAt: Date(), ttftMs: 12, e2eMs: 40)])
        try recording.finish(try Self.report(interrupted: false, dispatched: 1))
        let run = try store.run(recording.run.id)
        #expect(run.status == .completed && run.outcome == "1 request(s) replayed")
        #expect(try store.samples(runID: run.id).map(\.requestID) == ["r1"])
        #expect(try store.events(runID: run.id).map(\.kind).contains("replay.report"))

        let stopped = try RunRecording.start(NewRun(kind: .replay, name: "stopped"), in: store)
        try stopped.finish(try Self.report(interrupted: true, dispatched: 3))
        #expect(try store.run(stopped.run.id).status == .aborted)
    }

    @Test func aGatewaySessionCompletesOrFails() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try RunStore(path: folder.path("t.db"))
        let session = try RunRecording.start(NewRun(kind: .gateway, name: "gateway 127.0.0.1:0"), in: store)
        try session.complete()
        #expect(try store.run(session.run.id).status == .completed)
        let failed = try RunRecording.start(NewRun(kind: .replay, name: "broken"), in: store)
        failed.fail(TrafficError.invalidOption("no traffic"))
        let run = try store.run(failed.run.id)
        #expect(run.status == .failed && run.outcome == "no traffic")
    }
}
