import Foundation
import Testing
import TollgateCore
import TollgateSimulator
@testable import TollgateTraffic

@Suite("Retries")
struct RetryTests {
    @Test func retriesA429AfterItsRetryAfterAndRecordsEveryAttempt() async throws {
        try await withSimulator { sim, http in
            let endpoint = ModelEndpoint(url: sim.baseURL, headers: ["x-sim-fault": "rate_limited;times=2"])
            let client = ModelClient(httpClient: http, endpoint: endpoint,
                                     retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10)))
            let started = ContinuousClock.now
            let result = await client.send(chatBody("retry me"), requestID: "req-429", arm: .baseline)
            let elapsed = ContinuousClock.now - started
            #expect(result.sample.errorClass == nil)
            #expect(result.sample.attempts == 3)
            #expect(result.attempts.map(\.errorClass) == [.http429, .http429, nil])
            #expect(result.attempts.map(\.httpStatus) == [429, 429, 200])
            // Retry-After: 1 second, twice (the 10 ms exponential backoff is overridden).
            #expect(result.attempts[0].backoffMs == 1000)
            #expect(elapsed >= .seconds(2))
        }
    }

    @Test func stopsAfterTheBoundedNumberOfAttempts() async throws {
        try await withSimulator { sim, http in
            let endpoint = ModelEndpoint(url: sim.baseURL, headers: ["x-sim-fault": "unavailable"])
            let client = ModelClient(httpClient: http, endpoint: endpoint,
                                     retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5)))
            let result = await client.send(chatBody("x"), requestID: "req-503", arm: .baseline)
            #expect(result.sample.errorClass == .http5xx)
            #expect(result.sample.httpStatus == 503)
            #expect(result.attempts.count == 3)
        }
    }

    @Test(arguments: ["server_error", "out_of_memory", "stream_cut", "malformed"])
    func neverRetriesUnsafeFailures(fault: String) async throws {
        try await withSimulator { sim, http in
            let endpoint = ModelEndpoint(url: sim.baseURL, headers: ["x-sim-fault": fault])
            let client = ModelClient(httpClient: http, endpoint: endpoint, retry: RetryPolicy(maxAttempts: 5))
            let result = await client.send(chatBody("x"), requestID: "req-\(fault)", arm: .baseline)
            #expect(result.attempts.count == 1)
            #expect(result.sample.errorClass != nil)
        }
    }

    @Test func backsOffExponentiallyWithBoundedJitter() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1), jitter: 0.5)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unit: 0) == .milliseconds(50))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unit: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unit: 1) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 8, retryAfter: nil, unit: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3), unit: 0.3) == .seconds(3))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(600), unit: 0.3) == nil, "too long a Retry-After ends retries")
    }

    @Test func parsesRetryAfterAsSecondsOrAnHTTPDate() {
        #expect(ModelClient.parseRetryAfter("2") == .seconds(2))
        #expect(ModelClient.parseRetryAfter("garbage") == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inTenSeconds = formatter.string(from: Date().addingTimeInterval(10))
        let parsed = ModelClient.parseRetryAfter(inTenSeconds)
        #expect(parsed.map { $0 > .seconds(7) && $0 <= .seconds(10) } == true)
    }
}
