import Testing

/// The parent of the gateway suites that start servers: they run one at a time, so their
/// timing assertions do not compete with each other for the CPU.
@Suite("Gateway", .serialized)
struct GatewayTests {}
