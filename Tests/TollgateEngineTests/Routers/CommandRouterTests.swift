import Foundation
import Testing
@testable import TollgateEngine

@Suite("Command router")
struct CommandRouterTests {
    @Test("the command runs with the weights filled in and its output goes into the receipt")
    func runsCommand() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("weight").path
        let router = try CommandRouter(
            setCommand: "echo {weight} > '\(state)' && echo candidate={weight} baseline={baseline_weight}",
            readCommand: "cat '\(state)'")
        let receipt = try await router.setWeight(25)
        #expect(receipt.detail.hasSuffix("candidate=25 baseline=75"))
        #expect(try await router.currentWeight() == 25)
        _ = try await router.setWeight(25)
        #expect(try await router.currentWeight() == 25)
    }

    @Test("a failing command reports its exit status and output")
    func failingCommand() async throws {
        let router = try CommandRouter(setCommand: "echo cannot set {weight} >&2; exit 3")
        await #expect(throws: RouterError.commandFailed(command: "echo cannot set 5 >&2; exit 3", status: 3, output: "cannot set 5")) {
            try await router.setWeight(5)
        }
        #expect(try await router.currentWeight() == nil)
    }

    @Test("a command that hangs is stopped at its time limit")
    func timeout() async throws {
        let router = try CommandRouter(setCommand: "sleep 30 # {weight}", timeout: .milliseconds(300))
        let start = ContinuousClock.now
        await #expect(throws: RouterError.commandTimedOut(command: "sleep 30 # 5", seconds: 0.3)) { try await router.setWeight(5) }
        #expect(ContinuousClock.now - start < .seconds(20), "the 30 s command was not stopped")
    }

    @Test("a command without placeholders and weights outside 0 to 100 are refused")
    func validation() async throws {
        #expect(throws: RouterError.self) { try CommandRouter(setCommand: "true") }
        let router = try CommandRouter(setCommand: "true {weight}")
        await #expect(throws: RouterError.weightOutOfRange(-1)) { try await router.setWeight(-1) }
    }
}
