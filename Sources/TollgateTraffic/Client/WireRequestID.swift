import Foundation
import TollgateCore

/// The `x-request-id` Tollgate sends for a request: a UUID derived from the request's own id
/// (a traffic line's id, an eval case and repetition), the same on every attempt and every run.
///
/// Servers validate this header: llama.cpp's OpenAI server (llama-cpp-python, through
/// starlette-context's request-id plugin) answers HTTP 400 with an empty body to any value that
/// does not parse as a UUID. A UUID derived deterministically keeps what an id is for on the
/// Tollgate side: retries of one request carry the same id, and the simulator's per-request faults
/// (drawn from, and counted by, the header's value) stay the same from run to run.
///
/// The UUID is the first 128 bits of SHA-256 of `tollgate-request:` + the id, with the version
/// nibble set to 4 and the RFC 9562 variant bits: the hash is as uniform as random bits, and
/// validators that insist on version 4 (a common regular expression) accept it.
///
/// ```swift
/// WireRequestID.uuid(for: "line-1")   // "3c0b4d0e-…-4…-[89ab]…", the same on every machine
/// ```
public enum WireRequestID {
    /// The header value sent for the request whose Tollgate id is `requestID`. A value that is
    /// already a UUID is sent as it is (lowercased), so ids a user chose survive the trip.
    public static func uuid(for requestID: String) -> String {
        if isUUID(requestID) { return requestID.lowercased() }
        var hex = Array(SHA256Hex.digest(Data(("tollgate-request:" + requestID).utf8)).prefix(32))
        hex[12] = "4"
        let variant: [Character] = ["8", "9", "a", "b"]
        hex[16] = variant[Int(String(hex[16]), radix: 16)! & 3]
        let text = String(hex)
        func part(_ from: Int, _ to: Int) -> Substring {
            text[text.index(text.startIndex, offsetBy: from)..<text.index(text.startIndex, offsetBy: to)]
        }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }

    /// Whether `text` is a UUID in its canonical 8-4-4-4-12 hex form.
    public static func isUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
