import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed), for
/// programs like HAProxy and llama.cpp's server that must be told a port on their command line.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = loopbackAddress(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    guard named == 0 else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The HTTP status of `GET path` on 127.0.0.1:`port` (HTTP/1.0, two-second socket timeouts), or
/// `nil` when nothing answers: a readiness probe for servers a test started, with no HTTP client.
public func loopbackGETStatus(port: Int, path: String) -> Int? {
    guard let answer = blockingLoopbackExchange(port: port, request: "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n", maxBytes: 64, timeout: 2),
          answer.count > 12 else { return nil }
    // "HTTP/1.1 200 OK": the status is the second word of the first line.
    return answer.split(separator: " ").dropFirst().first.flatMap { Int($0) }
}

/// Sends `request` verbatim (a head that an HTTP client would refuse to send, such as a
/// `Content-Length` the body never matches) to 127.0.0.1:`port` and returns what the server
/// answers within `timeout` (up to `maxBytes`, until it closes), or `nil` when nothing answers.
/// The blocking socket calls run on a Dispatch thread, never on the cooperative pool that an
/// in-process server's handlers need.
public func loopbackExchange(port: Int, request: String, maxBytes: Int = 1 << 16, timeout: Int = 2) async -> String? {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: blockingLoopbackExchange(port: port, request: request, maxBytes: maxBytes, timeout: timeout))
        }
    }
}

private func blockingLoopbackExchange(port: Int, request: String, maxBytes: Int, timeout: Int) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var time = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    var address = loopbackAddress(port: port)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let bytes = Array(request.utf8)
    guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { return nil }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while answer.count < maxBytes {
        let n = recv(fd, &buffer, min(buffer.count, maxBytes - answer.count), 0)
        guard n > 0 else { break }
        answer += buffer[0..<n]
    }
    return answer.isEmpty ? nil : String(decoding: answer, as: UTF8.self)
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}
