import Foundation
import Testing
import TollgateCore

@Suite struct YAMLRewriteTests {
    static let template = """
    # tollgate sim --listen 127.0.0.1:18001 (a comment that names the address)
    version: 1
    kind: pipeline
    name: rewrite
    model:
      name: m
      baseline:  { version: "1.0", endpoint: "http://127.0.0.1:18001/v1" }
      candidate: { version: "1.1", endpoint: "http://127.0.0.1:18002/v1", model_id: "http://127.0.0.1:18001x" }
    traffic: { source: ../traffic/support.jsonl, concurrency: 4 }
    router: { type: gateway, admin: "http://127.0.0.1:18000", url: "http://127.0.0.1:18000/v1", token_env: REWRITE_TOKEN }
    stages:
      - canary: { weight: 5 }
    """

    @Test func addressesAreReplacedInValuesAndFieldsSetByPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rewrite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let traffic = folder.appendingPathComponent("traffic.jsonl").path
        try #"{"messages":[{"role":"user","content":"hi"}]}"#.write(toFile: traffic, atomically: true, encoding: .utf8)
        let text = try YAMLRewrite.rewriting(Self.template, addresses: [
            "http://127.0.0.1:18001/v1": "http://127.0.0.1:4001/v1",
            "http://127.0.0.1:18002/v1": "http://127.0.0.1:4002/v1",
            "http://127.0.0.1:18000": "http://127.0.0.1:4000",
        ], fields: [["traffic", "source"]: traffic])
        let path = folder.appendingPathComponent("p.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let pipeline = try DocumentLoader.loadPipeline(at: path)
        #expect(pipeline.model.baseline.endpoint == "http://127.0.0.1:4001/v1")
        #expect(pipeline.model.candidate.endpoint == "http://127.0.0.1:4002/v1")
        // Only whole values or paths under an address change: a value that merely starts alike does not.
        #expect(pipeline.model.candidate.modelID == "http://127.0.0.1:18001x")
        #expect(pipeline.model.baseline.version == "1.0", "a quoted version stays a string")
        #expect(pipeline.traffic.source == traffic && pipeline.traffic.concurrency == 4)
        #expect(text.contains("http://127.0.0.1:4000/v1") && !text.contains("18000"))
    }

    @Test func aDocumentThatIsNotYAMLIsRefused() {
        #expect(throws: YAMLRewrite.Failure.self) { try YAMLRewrite.rewriting("a: [1, 2", addresses: [:]) }
        #expect(throws: YAMLRewrite.Failure.self) { try YAMLRewrite.rewriting("- a\n- b\n", addresses: [:], fields: [["x"]: "y"]) }
    }
}
