import NIOConcurrencyHelpers

/// A flag set once, read from other tasks (whether the service's listener ever came up).
final class OnceFlag: Sendable {
    private let value = NIOLockedValueBox(false)
    func set() { value.withLockedValue { $0 = true } }
    var isSet: Bool { value.withLockedValue { $0 } }
}
