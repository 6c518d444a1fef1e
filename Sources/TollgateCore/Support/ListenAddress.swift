/// Where a server listens: `HOST:PORT` (port 0 lets the system choose a free one). IPv6 hosts are
/// written in brackets, `[::1]:8080`. Every long-running command (`serve`, `gateway`, `sim`) reads
/// its `--listen` with this one parser.
public struct ListenAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil when there is no host, no colon, or the port is not 0…65535.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = Substring(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains("[") , !host.contains("]") else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `HOST:PORT`, with an IPv6 host in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// What a user can do when a listener on this address could not open, read from the system's
    /// reason: another port only helps when the port is taken.
    public func advice(forFailure reason: String) -> String {
        let lowered = reason.lowercased()
        if lowered.contains("address already in use") || lowered.contains("eaddrinuse") {
            return "Port \(port) is in use: choose another port or stop what is using it."
        }
        if lowered.contains("permission denied") || lowered.contains("eacces") {
            return "This process may not listen on port \(port) (ports below 1024 need privileges): choose a port above 1023."
        }
        if lowered.contains("cannot assign requested address") || lowered.contains("eaddrnotavail") {
            return "\(host) is not an address of this machine: listen on one of its addresses, 127.0.0.1 or 0.0.0.0."
        }
        return "Check that \(description) is an address of this machine and a free port."
    }
}
