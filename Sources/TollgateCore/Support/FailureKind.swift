/// Whether a failure lies in what the user gave (a file, an option, a run id, an environment
/// variable) or in the world (a server, the network, the disk, another process).
///
/// Each module's error type says which it is (``ClassifiedError``); the command line turns that
/// into its exit code in one place (2 for bad input, 1 for an operational failure) and the
/// service into its HTTP status.
public enum FailureKind: String, Sendable, Equatable, Codable {
    /// The input is wrong: fixing it and running again helps, retrying as is does not.
    case badInput = "bad_input"
    /// Something the command depends on failed: retrying later, or fixing the environment, helps.
    case operational
}

/// An error that says whether the input was bad or the world failed. Its `description` is
/// worded for the user: what went wrong and what to do.
public protocol ClassifiedError: Error, CustomStringConvertible {
    /// Bad input or an operational failure.
    var kind: FailureKind { get }
}

extension ClassifiedError {
    /// Whether the user's input is at fault rather than the environment.
    public var isBadInput: Bool { kind == .badInput }
}

extension LoadError: ClassifiedError {
    /// A file that does not load is always the user's to fix.
    public var kind: FailureKind { .badInput }
}

extension Diagnostic: ClassifiedError {
    /// A located problem in a file the user wrote.
    public var kind: FailureKind { .badInput }
}

extension PromSelector.ParseError: ClassifiedError {
    /// A selector the user wrote that does not parse.
    public var kind: FailureKind { .badInput }
}

extension CronSchedule.ParseError: ClassifiedError {
    /// A schedule the user wrote that does not parse.
    public var kind: FailureKind { .badInput }
}
