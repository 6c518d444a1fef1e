import NIOCore

/// Writing a body in the chunked transfer coding (RFC 9112 section 7.1): request bodies of
/// unknown length on their way upstream, and answers the upstream delimited by its close on
/// their way to a keep-alive client.
enum ChunkedEncoding {
    /// The last chunk and the end of an (empty) trailer section.
    static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")
    private static let lineEnd = ByteBuffer(staticString: "\r\n")

    /// Hands `content` to `write` as one chunk: its size line, the content, the line end. An
    /// empty piece writes nothing (a chunk of size 0 would end the body).
    static func writeChunk(_ content: ByteBuffer, _ write: (ByteBuffer) -> Void) {
        guard content.readableBytes > 0 else { return }
        var size = ByteBuffer()
        size.reserveCapacity(18)
        size.writeString(String(content.readableBytes, radix: 16))
        size.writeStaticString("\r\n")
        write(size)
        write(content)
        write(lineEnd)
    }
}
