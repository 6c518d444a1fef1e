import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TollgateServer
import TollgateStore
import TollgateTestSupport

/// A `tollgate serve` started in-process on a free loopback port, with a client for it.
struct ServiceHarness {
    let folder: TemporaryFolder
    let store: RunStore
    let service: TollgateService
    let running: RunningService
    let client: HTTPClient
    static let token = "test-token-\(UUID().uuidString)"

    init(supervise: Bool = true, maxBodyBytes: Int = 1 << 20, databasePath: String? = nil, folder: TemporaryFolder? = nil) async throws {
        self.folder = try folder ?? TemporaryFolder()
        store = try RunStore(path: databasePath ?? self.folder.path("serve.db"))
        service = try TollgateService(configuration: ServiceConfiguration(token: Self.token, maxBodyBytes: maxBodyBytes,
                                                                          superviseRuns: supervise, supervisionInterval: .milliseconds(200)),
                                      store: store)
        running = try await service.start()
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    struct Reply {
        var status: Int
        var body: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    }

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, token: String? = ServiceHarness.token) async throws -> Reply {
        var request = HTTPClientRequest(url: running.baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: bytes))
    }

    func stop() async {
        try? await client.shutdown()
        await running.stop()
        folder.remove()
    }

    static func fixture(_ name: String) throws -> String {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("alertmanager/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }
}
