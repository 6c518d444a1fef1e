import TollgateTraffic

/// The `x-request-id` the gateway gives a request that arrives without one: a version-4 UUID in
/// lowercase text (model servers such as llama.cpp's expect UUIDs there), from 128 bits of
/// ``FastRandom`` (no system call per ID; Foundation's `UUID()` asks the kernel every time).
enum RequestIDGenerator {
    /// A new ID, for example `3c0b4d0e-5a1f-4c2d-9e8f-0123456789ab`.
    static func next() -> String {
        var random = FastRandom()
        return WireRequestID.version4UUID(high: random.next(), low: random.next())
    }
}
