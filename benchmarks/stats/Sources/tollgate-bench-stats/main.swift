import Foundation
import TollgateAnalysis
import TollgateCore
import TollgateStats

// Benchmarks of TollgateStats and the judges (run by benchmarks/stats/run.sh, release build):
//   tollgate-bench-stats mw-hl X.f64 Y.f64      Mann–Whitney + Hodges–Lehmann interval on raw float64 files
//   tollgate-bench-stats simulate [RUNS]        A/A false rollbacks and power of three judging schemes

func readFloat64(_ path: String) -> [Double] {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
        exit(2)
    }
    return data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func mannWhitneyAndHodgesLehmann(_ xPath: String, _ yPath: String) throws {
    let x = readFloat64(xPath), y = readFloat64(yPath)
    var best = Double.infinity
    var mw = TestResult(method: "", statistic: 0), hl = mw
    for _ in 0..<3 {
        let start = now()
        (mw, hl) = try HodgesLehmann.testAndShift(x, y, confidence: 0.95)
        best = min(best, now() - start)
    }
    let start = now()
    _ = try MannWhitney.test(x, y)
    let mwOnly = now() - start
    print("{\"seconds\": \(best), \"mw_only_seconds\": \(mwOnly), \"u\": \(mw.statistic), \"p\": \(mw.pValue!), " +
          "\"hl\": \(hl.estimate!), \"ci_low\": \(hl.ciLow!), \"ci_high\": \(hl.ciHigh!)}")
}

/// One simulated canary: 20 looks, `batch` new samples per arm per look, lognormal latency.
struct Scheme {
    var name: String
    /// Returns true when the scheme rolls back at this look.
    var rollsBack: ([Double], [Double]) throws -> Bool
}

func simulate(runs: Int) throws {
    let looks = 20, batch = 100
    let median = 300.0, sigma = 0.5
    let criterion = MetricCriterion(name: "ttft_ms", kind: .location, worse: .higher, tolerance: .relative(0), critical: true)
    let kayenta = KayentaClassifier(tolerance: 0.25, confidence: 0.98)
    let schemes = [
        Scheme(name: "naive repeated Mann-Whitney (p < 0.05, candidate higher)") { b, c in
            let r = try MannWhitney.test(c, b)
            return r.pValue! < 0.05 && r.statistic > Double(b.count * c.count) / 2
        },
        Scheme(name: "Kayenta classifier at every look (High)") { b, c in
            kayenta.classify(control: b, experiment: c, direction: .increase).classification == .high
        },
        Scheme(name: "always-valid judge (confidence sequence, 95%, tuned to the horizon)") { b, c in
            try AlwaysValidJudge.judge(criteria: [criterion], data: ["ttft_ms": MetricSamples(baseline: b, candidate: c)],
                                       horizon: looks * batch).decision == .rollback
        },
    ]
    print("lognormal latency: median \(Int(median)) ms, sigma \(sigma); \(looks) looks of \(batch) samples per arm; \(runs) runs per scenario")
    print("scheme | A/A false rollback rate | power at 10% TTFT shift | median samples per arm to detect")
    for (index, scheme) in schemes.enumerated() {
        var falseRollbacks = 0
        var detectedAt: [Int] = []
        for run in 0..<runs {
            for shift in [1.0, 1.1] {
                var g = SeededGenerator(seed: UInt64(run * 10 + (shift > 1 ? 1 : 0)) &+ 1_000_003)
                var b: [Double] = [], c: [Double] = []
                var stoppedAt: Int?
                for look in 1...looks {
                    for _ in 0..<batch {
                        b.append(median * exp(sigma * g.nextGaussian()))
                        c.append(median * shift * exp(sigma * g.nextGaussian()))
                    }
                    if try scheme.rollsBack(b, c) { stoppedAt = look * batch; break }
                }
                if shift == 1.0 { if stoppedAt != nil { falseRollbacks += 1 } } else { detectedAt.append(stoppedAt ?? Int.max) }
            }
        }
        detectedAt.sort()
        let medianDetect = detectedAt[detectedAt.count / 2]
        let power = Double(detectedAt.filter { $0 != Int.max }.count) / Double(runs)
        let medianText = medianDetect == Int.max ? "> \(looks * batch)" : "\(medianDetect)"
        print("\(scheme.name) | \(String(format: "%.1f%%", 100 * Double(falseRollbacks) / Double(runs))) | " +
              "\(String(format: "%.1f%%", 100 * power)) | \(medianText)")
        _ = index
    }
}

let arguments = CommandLine.arguments
do {
    if arguments.count == 4 && arguments[1] == "mw-hl" {
        try mannWhitneyAndHodgesLehmann(arguments[2], arguments[3])
    } else if arguments.count >= 2 && arguments[1] == "simulate" {
        try simulate(runs: arguments.count >= 3 ? Int(arguments[2]) ?? 500 : 500)
    } else {
        print("usage: tollgate-bench-stats mw-hl X.f64 Y.f64 | simulate [RUNS]")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
