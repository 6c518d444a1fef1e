import Foundation

/// A fault the simulator can inject into a response, by rate (``SimulatorProfile/Faults``) or
/// on demand with the request header `x-sim-fault: NAME[;times=N]` (tests use the header to make
/// exactly the first N attempts of a request id fail).
public enum SimulatedFault: String, Sendable, CaseIterable, Codable {
    case rateLimited = "rate_limited"
    case serverError = "server_error"
    case unavailable
    case outOfMemory = "out_of_memory"
    case streamCut = "stream_cut"
    case stallFirstToken = "stall_first_token"
    case stallMidStream = "stall_mid_stream"
    case malformed
    case contextLength = "context_length"
    case modelNotFound = "model_not_found"

    /// The faults a profile injects by rate (`faults.NAME: RATE`, `tollgate sim --fault NAME=RATE`),
    /// in the order one is drawn per request; the others are sent only on demand, by header.
    public static let drawnByRate: [SimulatedFault] = [.rateLimited, .serverError, .unavailable, .outOfMemory, .streamCut,
                                                       .stallFirstToken, .stallMidStream, .malformed]

    /// Parses the `x-sim-fault` header value: a fault name and optionally `;times=N`.
    static func parseHeader(_ value: String) -> (fault: SimulatedFault, times: Int?)? {
        let parts = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let name = parts.first, let fault = SimulatedFault(rawValue: name) else { return nil }
        var times: Int?
        for part in parts.dropFirst() where part.hasPrefix("times=") {
            times = Int(part.dropFirst("times=".count))
        }
        return (fault, times)
    }
}
