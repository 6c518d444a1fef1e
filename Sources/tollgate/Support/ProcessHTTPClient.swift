import AsyncHTTPClient
import TollgateTraffic

/// The process's one HTTP client for model servers, routers, webhooks and embeddings endpoints:
/// a command creates it once, passes it to everything that sends requests, and it is shut down
/// when the command's work ends, also when that work throws.
enum ProcessHTTPClient {
    /// Runs `body` with a client allowing `concurrency` connections per host and connecting
    /// within `connectTimeout`, then shuts the client down.
    static func with<T>(concurrency: Int, connectTimeout: Duration = .seconds(10),
                        _ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = ModelClient.makeHTTPClient(concurrency: concurrency, connectTimeout: connectTimeout)
        let value: T
        do {
            value = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return value
    }
}
