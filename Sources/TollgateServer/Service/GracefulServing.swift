import Logging
import ServiceLifecycle

/// Serves `server` (a Hummingbird application) until the calling task is cancelled, then stops
/// it by graceful shutdown: in-flight requests finish and the accept loop ends normally, instead
/// of being cancelled (which Hummingbird logs as `error … CancellationError()` on every normal stop).
func serveUntilCancelled(_ server: some Service, logger: Logger) async throws {
    let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
    let serving = Task { try await group.run() }
    try await withTaskCancellationHandler {
        try await serving.value
    } onCancel: {
        Task { await group.triggerGracefulShutdown() }
    }
}
