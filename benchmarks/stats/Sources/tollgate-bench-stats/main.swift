import Foundation
import TollgateAnalysis
import TollgateCore
import TollgateStats

// Benchmarks of TollgateStats and the judges (run by benchmarks/stats/run.sh, release build):
//   tollgate-bench-stats mw-hl X.f64 Y.f64      Mann–Whitney + Hodges–Lehmann interval on raw float64 files
//   tollgate-bench-stats simulate [RUNS]        operating characteristics of the canary judges (docs/statistics.md)

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

/// What a method decided in one simulated canary, and at how many samples per arm.
struct Outcome {
    var decision: Decision?
    var at: Int
}

/// One judging method, applied look by look to the same data as the others.
struct Method {
    var name: String
    /// nil to continue, else the decision at this look (`lookSizes` are the samples per arm so far).
    var decide: (_ baseline: [Double], _ candidate: [Double], _ lookSizes: [Int], _ horizon: Int) throws -> Decision?
}

/// The methods of the operating-characteristics table (one-sided: only a slower candidate is rolled back).
func methods(quantile: MetricKind?) -> [Method] {
    let kind = quantile ?? .location
    let criterion = MetricCriterion(name: "ttft_ms", kind: kind, worse: .higher, tolerance: .relative(0.10), critical: true)
    let kayenta = KayentaClassifier(tolerance: 0.25, confidence: 0.98)
    return [
        Method(name: "tollgate sequential (Pocock α=β=0.05, tol 10%)") { b, c, sizes, horizon in
            let v = try GroupSequentialJudge.judge(criteria: [criterion], data: ["ttft_ms": MetricSamples(baseline: b, candidate: c)],
                                                   design: SequentialDesign(maxSamples: horizon), lookSizes: sizes)
            return v.decision == .hold ? nil : v.decision
        },
        Method(name: "Kayenta classifier every look (0.98, effect 0.25)") { b, c, _, _ in
            kayenta.classify(control: b, experiment: c, direction: .increase).classification == .high ? .rollback : nil
        },
        Method(name: "naive Mann-Whitney p<0.05 every look") { b, c, _, _ in
            let r = try MannWhitney.test(c, b)
            return r.pValue! / 2 < 0.05 && r.statistic > Double(b.count * c.count) / 2 ? .rollback : nil
        },
    ]
}

/// Lognormal TTFT (median 100, σ 0.5): `ratio` scales every value; `tailOnly` stretches only the
/// tail so that the p95 (not the median) moves by `ratio`.
func draw(_ g: inout SeededGenerator, ratio: Double, tailOnly: Bool) -> Double {
    let z = g.nextGaussian()
    if tailOnly {
        let stretch = log(ratio) / (1.645 - 0.84)
        return 100 * exp(0.5 * z + (z > 0.84 ? stretch * (z - 0.84) : 0))
    }
    return 100 * ratio * exp(0.5 * z)
}

func wilson(_ k: Int, _ n: Int) -> (Double, Double) {
    let p = Double(k) / Double(n), z = 1.96, nn = Double(n)
    let centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
    let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / (1 + z * z / nn)
    return (centre - half, centre + half)
}

func pct(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }

/// The operating-characteristics table of docs/statistics.md: for each schedule and shift, every
/// method on the same simulated canaries.
func simulate(runs: Int, tailOnly: Bool) throws {
    let schedules = [(batch: 50, looks: 20), (batch: 100, looks: 20)]
    let shifts = tailOnly ? [1.0, 1.2] : [1.0, 1.05, 1.10, 1.20]
    let all = methods(quantile: tailOnly ? .p95 : nil)
    print(tailOnly ? "\n## p95-only shift (metric ttft_ms p95; the median does not move)" : "## TTFT lognormal σ = 0.5, whole distribution scaled")
    for schedule in schedules {
        let horizon = schedule.batch * schedule.looks
        print("\n### looks of \(schedule.batch) per arm up to \(horizon); \(runs) canaries per row")
        print("| shift | method | rolled back (95% CI) | median / mean n to roll back | promoted | median n to promote |")
        print("| --- | --- | --- | --- | --- | --- |")
        for shift in shifts {
            var outcomes = [[Outcome]](repeating: [], count: all.count)
            for run in 0..<runs {
                var g = SeededGenerator(seed: UInt64(run) &* 7919 &+ UInt64(shift * 1000) &+ UInt64(schedule.batch) &* 31 &+ (tailOnly ? 5 : 0))
                var b: [Double] = [], c: [Double] = []
                var sizes: [Int] = []
                var open = Array(0..<all.count)
                var result = [Outcome](repeating: Outcome(decision: nil, at: horizon), count: all.count)
                for _ in 0..<schedule.looks where !open.isEmpty {
                    for _ in 0..<schedule.batch {
                        b.append(draw(&g, ratio: 1, tailOnly: tailOnly))
                        c.append(draw(&g, ratio: shift, tailOnly: tailOnly))
                    }
                    sizes.append(b.count)
                    for m in open {
                        if let d = try all[m].decide(b, c, sizes, horizon) { result[m] = Outcome(decision: d, at: b.count) }
                    }
                    open.removeAll { result[$0].decision != nil }
                }
                for m in all.indices { outcomes[m].append(result[m]) }
            }
            for (m, method) in all.enumerated() {
                let o = outcomes[m]
                let rolled = o.filter { $0.decision == .rollback }.map(\.at)
                let promoted = o.filter { $0.decision == .promote }.map(\.at).sorted()
                // Median with never-rolled-back canaries counted as infinite.
                let sortedRoll = o.map { $0.decision == .rollback ? $0.at : Int.max }.sorted()
                let med = sortedRoll[sortedRoll.count / 2]
                let mean = rolled.isEmpty ? "-" : String(format: "%.0f", Double(rolled.reduce(0, +)) / Double(rolled.count))
                let (lo, hi) = wilson(rolled.count, runs)
                let promoteText = m == 0 ? pct(Double(promoted.count) / Double(runs)) : "no promote decision"
                let promoteMedian = m == 0 && !promoted.isEmpty ? "\(promoted[promoted.count / 2])" : "-"
                let label = tailOnly ? "p95 +\(Int(((shift - 1) * 100).rounded()))%" : "+\(Int(((shift - 1) * 100).rounded()))%"
                print("| \(shift == 1 ? "A/A" : label) | \(method.name) | \(pct(Double(rolled.count) / Double(runs))) [\(pct(lo)), \(pct(hi))] | " +
                      "\(med == Int.max ? "∞" : "\(med)") / \(mean) | \(promoteText) | \(promoteMedian) |")
            }
        }
    }
}

let arguments = CommandLine.arguments
do {
    if arguments.count == 4 && arguments[1] == "mw-hl" {
        try mannWhitneyAndHodgesLehmann(arguments[2], arguments[3])
    } else if arguments.count >= 2 && arguments[1] == "simulate" {
        let runs = arguments.count >= 3 ? Int(arguments[2]) ?? 2000 : 2000
        try simulate(runs: runs, tailOnly: false)
        try simulate(runs: runs, tailOnly: true)
    } else {
        print("usage: tollgate-bench-stats mw-hl X.f64 Y.f64 | simulate [RUNS]")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
