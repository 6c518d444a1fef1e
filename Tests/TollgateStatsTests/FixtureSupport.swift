import Foundation
import TollgateTestSupport
import Testing

/// Loads the golden JSON fixtures written by scripts/golden/generate_stats.py.
enum Fixture {
    static func document(_ name: String) throws -> [String: Any] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try #require(try FixtureJSON.load(url) as? [String: Any])
    }

    static func cases(_ name: String) throws -> [[String: Any]] {
        let cases = try #require(try document(name)["cases"] as? [[String: Any]])
        #expect(cases.count >= 10, "\(name) should hold at least 10 cases")
        return cases
    }
}

extension Dictionary where Key == String, Value == Any {
    func double(_ key: String) -> Double { (self[key] as? NSNumber)?.doubleValue ?? .nan }
    func int(_ key: String) -> Int { (self[key] as? NSNumber)?.intValue ?? -1 }
    func doubles(_ key: String) -> [Double] { (self[key] as? [NSNumber])?.map(\.doubleValue) ?? [] }
    func string(_ key: String) -> String { self[key] as? String ?? "" }
    func dicts(_ key: String) -> [[String: Any]] {
        let values = self[key] as? [[String: Any]] ?? []
        #expect(!values.isEmpty, "fixture field \(key) is missing")
        return values
    }
}

/// Relative agreement with a tiny absolute floor (for values that are exactly zero or at the
/// floating-point noise level, e.g. p-values of 1e-300).
func close(_ actual: Double?, _ expected: Double, rel: Double, abs absolute: Double = 1e-15) -> Bool {
    guard let actual else { return false }
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite { return actual == expected }
    return Swift.abs(actual - expected) <= rel * Swift.abs(expected) + absolute
}

func expectClose(_ actual: Double?, _ expected: Double, rel: Double, _ what: @autoclosure () -> String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(close(actual, expected, rel: rel), "\(what()): got \(actual.map { "\($0)" } ?? "nil"), expected \(expected)",
            sourceLocation: sourceLocation)
}
