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
        let hex = SHA256Hex.digest(Data(("tollgate-request:" + requestID).utf8)).utf8
        let high = UInt64(String(decoding: hex.prefix(16), as: UTF8.self), radix: 16)!
        let low = UInt64(String(decoding: hex.dropFirst(16).prefix(16), as: UTF8.self), radix: 16)!
        return version4UUID(high: high, low: low)
    }

    /// The canonical lowercase text (8-4-4-4-12) of the 128 bits `high` then `low`, with the
    /// version nibble set to 4 and the RFC 9562 variant bits (`10`): the one formatting of a
    /// version-4 UUID that derived IDs and the gateway's random IDs share.
    public static func version4UUID(high: UInt64, low: UInt64) -> String {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            digits.withUTF8Buffer { hex in
                var index = 0
                func put(_ value: UInt64, nibbles: Int) {
                    var shift = (nibbles - 1) * 4
                    while shift >= 0 {
                        buffer[index] = hex[Int((value >> UInt64(shift)) & 0xF)]
                        index += 1
                        shift -= 4
                    }
                }
                func dash() {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                put(high >> 32, nibbles: 8); dash()
                put(high >> 16, nibbles: 4); dash()
                put(high, nibbles: 4); dash()
                put(low >> 48, nibbles: 4); dash()
                put(low, nibbles: 12)
            }
            return 36
        }
    }

    /// Whether `text` is a UUID in its canonical 8-4-4-4-12 hex form.
    public static func isUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
