import Testing
import TollgateCore
@testable import TollgateServer

@Suite("Arm selection and sticky keys")
struct ArmSelectionTests {
    @Test("raising the weight only ever moves sticky users from baseline to candidate")
    func stickyUsersMoveOneWay() {
        let users = (0..<2000).map { "user-\($0)" }
        var previous = Set<String>()
        for weight in [0, 5, 25, 50, 100] {
            let onCandidate = Set(users.filter { ArmSelector.choose(candidatePercent: weight, stickyKey: $0) == .candidate })
            #expect(previous.isSubset(of: onCandidate), "weight \(weight) moved a user back to the baseline")
            // The share of users is near the weight (binomial, 4.5 standard deviations).
            let p = Double(weight) / 100
            let sd = (Double(users.count) * p * (1 - p)).squareRoot()
            #expect(abs(Double(onCandidate.count) - Double(users.count) * p) <= 4.5 * sd + 1)
            previous = onCandidate
        }
    }

    @Test("random choices and mirror draws follow their percentages within binomial bounds")
    func randomShares() {
        let n = 20_000
        for percent in [5, 25, 50] {
            let p = Double(percent) / 100
            let bound = 4.5 * (Double(n) * p * (1 - p)).squareRoot()
            let candidate = (0..<n).filter { _ in ArmSelector.choose(candidatePercent: percent, stickyKey: nil) == .candidate }.count
            let mirrored = (0..<n).filter { _ in ArmSelector.shouldMirror(mirrorPercent: percent) }.count
            #expect(abs(Double(candidate) - Double(n) * p) < bound, "\(percent)%: \(candidate) of \(n)")
            #expect(abs(Double(mirrored) - Double(n) * p) < bound, "\(percent)%: \(mirrored) of \(n) mirrored")
        }
    }

    @Test("a sticky key's bucket is the same in every process")
    func bucketIsStable() {
        // FNV-1a 64 + SplitMix64 finaliser of "alice", computed independently in Python.
        #expect(ArmSelector.bucket(of: "alice") == ArmSelector.bucket(of: "alice"))
        #expect(ArmSelector.bucket(of: "alice") == 572)
    }

    @Test("the top-level user field is found across chunk boundaries, nested ones are not")
    func userFieldScanner() {
        let body = #"{"model":"m","messages":[{"role":"user","content":"hi \"user\": \"x\""}],"metadata":{"user":"inner"},"user":"u-42","stream":true}"#
        for split in [1, 7, 30, body.utf8.count] {
            var scanner = UserFieldScanner()
            var rest = Array(body.utf8)[...]
            while !rest.isEmpty, !scanner.isDone {
                scanner.feed(rest.prefix(split))
                rest = rest.dropFirst(split)
            }
            #expect(scanner.user == "u-42", "chunk size \(split)")
        }
    }

    @Test("a body without a string user field yields no key")
    func noUserField() {
        for body in [#"{"model":"m","user":42}"#, #"{"model":"m"}"#, #"[{"user":"a"}]"#, "not json"] {
            var scanner = UserFieldScanner()
            scanner.feed(Array(body.utf8))
            #expect(scanner.user == nil, "\(body)")
        }
    }

    @Test("the admin token comparison accepts only the exact token")
    func tokenComparison() {
        #expect(AdminAPI.authorized("Bearer s3cret", token: "s3cret"))
        #expect(AdminAPI.authorized("bearer s3cret", token: "s3cret"))
        #expect(!AdminAPI.authorized("Bearer s3cre", token: "s3cret"))
        #expect(!AdminAPI.authorized("Bearer s3cret2", token: "s3cret"))
        #expect(!AdminAPI.authorized("Basic s3cret", token: "s3cret"))
        #expect(!AdminAPI.authorized(nil, token: "s3cret"))
    }

    @Test("upstream URLs keep their path prefix without doubling it")
    func upstreamPaths() throws {
        let upstream = try Upstream(url: "http://127.0.0.1:8001/v1/")
        #expect(upstream.url(forPath: "/v1/chat/completions") == "http://127.0.0.1:8001/v1/chat/completions")
        #expect(upstream.url(forPath: "/chat/completions?x=1") == "http://127.0.0.1:8001/v1/chat/completions?x=1")
        #expect(try Upstream(url: "http://localhost").url(forPath: "/a") == "http://localhost:80/a")
        #expect(throws: ServerError.self) { try Upstream(url: "ftp://x") }
    }
}
