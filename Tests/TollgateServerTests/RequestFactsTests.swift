import NIOHTTP1
import Testing
@testable import TollgateServer

/// The one pass over a request's headers (``RequestFacts``): names in any case, the first field
/// of a name counts, list values split into tokens.
@Suite("Request facts")
struct RequestFactsTests {
    @Test("every fact is read, however the names are spelled")
    func readsEveryFact() {
        let headers = HTTPHeaders([
            ("X-Request-ID", "first"), ("x-request-id", "second"),
            ("Content-Length", "12"), ("EXPECT", " 100-Continue\t"),
            ("Connection", "keep-alive, X-Private"), ("connection", " x-other\t,,close "),
            ("X-User", "u-1"), ("x-user", "u-2"),
        ])
        let facts = RequestFacts(headers, stickyHeader: "x-user")
        #expect(facts.requestID == "first")
        #expect(facts.contentLength == 12)
        #expect(!facts.hasTransferEncoding)
        #expect(facts.expectsContinue)
        #expect(facts.connectionNamed == ["x-private", "x-other"])
        #expect(facts.stickyKey == "u-1")
    }

    @Test("absent facts stay absent")
    func absent() {
        let facts = RequestFacts(HTTPHeaders([("Transfer-Encoding", "chunked"), ("expect", "something-else"), ("x-user", "u")]), stickyHeader: nil)
        #expect(facts.requestID == nil && facts.contentLength == nil && facts.hasTransferEncoding)
        #expect(!facts.expectsContinue && facts.connectionNamed.isEmpty && facts.stickyKey == nil)
    }
}
