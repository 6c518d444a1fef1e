import Foundation
import TollgateTestSupport
import Testing
@testable import TollgateAnalysis
@testable import TollgateStats

/// Every case of Kayenta's own Mann–Whitney and classifier suites (Fixtures/kayenta-judge-vectors.json).
@Suite struct KayentaVectorTests {
    static func vectors() throws -> [String: Any] {
        let url = try #require(Bundle.module.url(forResource: "kayenta-judge-vectors", withExtension: "json", subdirectory: "Fixtures"))
        return try #require(try FixtureJSON.load(url) as? [String: Any])
    }

    static func doubles(_ any: Any?) -> [Double] { (any as? [NSNumber])?.map(\.doubleValue) ?? [] }

    @Test func mannWhitneyIntervalVectorsAreReproduced() throws {
        let cases = try #require(try Self.vectors()["mannwhitney"] as? [[String: Any]])
        #expect(cases.count == 7)
        var checked = 0
        for c in cases {
            let name = c["test"] as? String ?? ""
            if name == "Wilcoxon Diff Function" {
                for e in c["expect"] as? [[String: Any]] ?? [] {
                    let value = try RankShiftInterval.wilcoxonDifference(Self.doubles(c["x"]), Self.doubles(c["y"]),
                                                                         mu: (e["mu"] as! NSNumber).doubleValue,
                                                                         quantile: (e["quantile"] as! NSNumber).doubleValue)
                    #expect(abs(value - (e["value"] as! NSNumber).doubleValue) < 1e-6, "\(name): \(value)")
                    checked += 1
                }
                continue
            }
            if name == "Test zQuant" {
                #expect(abs(NormalDistribution.quantile(0.01) - (c["expect"] as! NSNumber).doubleValue) < 1e-6)
                checked += 1
                continue
            }
            let experiment = Self.doubles(c["x_experiment"] ?? c["experiment"] ?? c["x"])
            let control = Self.doubles(c["y_control"] ?? c["control"] ?? c["y"])
            let confidence = (c["confidenceLevel"] as! NSNumber).doubleValue
            let expect = try #require(c["expect"] as? [String: Any])
            let result = try RankShiftInterval.compute(experiment, control, confidence: confidence)
            let tol = c["tol"] as? [String: Any]
            let ciTol = (tol?["ci"] as? NSNumber)?.doubleValue ?? (c["tol"] as? NSNumber)?.doubleValue ?? 1e-6
            let estTol = (tol?["estimate"] as? NSNumber)?.doubleValue ?? ciTol
            if let low = expect["ciLow"] as? NSNumber {
                #expect(abs(result.low - low.doubleValue) < ciTol, "\(name) low \(result.low)")
                #expect(abs(result.high - (expect["ciHigh"] as! NSNumber).doubleValue) < ciTol, "\(name) high \(result.high)")
                #expect(abs(result.estimate - (expect["estimate"] as! NSNumber).doubleValue) < estTol, "\(name) estimate \(result.estimate)")
            } else {
                // Intermediate values: bounds, quantiles, the function at the bounds and the three roots.
                let get = { (k: String) in (expect[k] as! NSNumber).doubleValue }
                #expect(abs(result.muMin - get("muMin")) < 1e-9 && abs(result.muMax - get("muMax")) < 1e-9)
                let zq = NormalDistribution.quantile(1 - (1 - confidence) / 2)
                #expect(abs(zq - get("zqLower")) < 1e-9)
                let f = { (mu: Double, q: Double) in try RankShiftInterval.wilcoxonDifference(experiment, control, mu: mu, quantile: q) }
                #expect(abs(try f(result.muMin, zq) - get("fLower1")) < 1e-6)
                #expect(abs(try f(result.muMax, zq) - get("fUpper1")) < 1e-6)
                #expect(abs(try f(result.muMin, -zq) - get("fLower2")) < 1e-6)
                #expect(abs(try f(result.muMax, -zq) - get("fUpper2")) < 1e-6)
                #expect(abs(result.low - get("ciLower(root with +z)")) < 1e-6, "low \(result.low)")
                #expect(abs(result.high - get("ciUpper(root with -z)")) < 1e-6, "high \(result.high)")
                #expect(abs(result.estimate - get("estimate")) < 1e-6, "estimate \(result.estimate)")
            }
            checked += 1
        }
        #expect(checked == 8)
    }

    /// Parses Kayenta's constructor and classify arguments as the vectors record them.
    static func classifier(_ ctor: String) -> KayentaClassifier {
        func number(_ key: String) -> Double? {
            guard let r = ctor.range(of: key + " = ") ?? ctor.range(of: key + "=") else { return nil }
            let rest = ctor[r.upperBound...]
            return Double(rest.prefix { "0123456789.".contains($0) })
        }
        func pair(_ key: String) -> (Double, Double)? {
            guard let r = ctor.range(of: key + " = (") ?? ctor.range(of: key + "=(") else { return nil }
            let inner = ctor[r.upperBound...].prefix { $0 != ")" }
            let parts = inner.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        return KayentaClassifier(tolerance: number("tolerance") ?? 0.25, confidence: number("confLevel") ?? 0.95,
                                 effectSizeThresholds: pair("effectSizeThresholds") ?? (1, 1),
                                 criticalThresholds: pair("criticalThresholds") ?? (1, 1),
                                 effectSizeMeasure: ctor.contains("cles") ? .cles : .meanRatio)
    }

    @Test func classifierVectorsAreReproduced() throws {
        let cases = try #require(try Self.vectors()["classifier"] as? [[String: Any]])
        #expect(cases.count == 37)
        for c in cases {
            let name = c["test"] as? String ?? ""
            let args = c["classifyArgs"] as? String ?? ""
            let direction: KayentaDirection = args.contains("Increase") ? .increase : (args.contains("Decrease") ? .decrease : .either)
            let control = Self.doubles(c["control"]), experiment = Self.doubles(c["experiment"])
            let classification: KayentaClassification
            var result: KayentaMetricResult?
            if (c["classifier"] as? String) == "MeanInequalityClassifier" {
                classification = KayentaMeanInequalityClassifier.classify(control: control, experiment: experiment, direction: direction)
            } else {
                let r = Self.classifier(c["ctorArgs"] as? String ?? "").classify(
                    control: control, experiment: experiment, direction: direction,
                    nanStrategy: args.contains("NaNStrategy.Replace") ? .replace : .remove,
                    isCritical: args.contains("isCriticalMetric = true"))
                result = r
                classification = r.classification
            }
            if let expected = c["expectClassification"] as? String {
                #expect(classification.rawValue == expected, "\(name): got \(classification.rawValue)")
            }
            if let critical = c["expectCritical"] as? Bool {
                #expect(result?.critical == critical, "\(name): critical \(String(describing: result?.critical))")
            }
            if c["expectReasonNonEmpty"] as? Bool == true {
                let reason = result?.reason ?? ""
                #expect(!reason.isEmpty, "\(name): reason")
            }
            if c["expectDeviationNaN"] as? Bool == true {
                #expect(result?.deviation == nil, "\(name): deviation should be NaN (nil)")
            }
            if let deviation = c["expectDeviation"] as? NSNumber {
                #expect(result?.deviation == deviation.doubleValue, "\(name): deviation")
            }
        }
    }
}
