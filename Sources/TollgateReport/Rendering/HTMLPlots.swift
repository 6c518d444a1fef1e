import Foundation

/// The report's plots, each an ``SVGPlot`` with a stable `data-plot` id the tests look for.
enum HTMLPlots {
    static let armClass = ["baseline": "arm-baseline", "candidate": "arm-candidate", "shadow": "arm-shadow"]

    /// Candidate weight over time, stage boundaries, checks coloured by decision, annotations.
    static func timeline(_ t: ReportTimeline) -> String {
        let span = max(t.end.timeIntervalSince(t.start), 1)
        var plot = SVGPlot(id: "timeline", title: "Candidate weight over time", width: 1080, height: 240, x: 0...span, y: 0...100,
                           xLabel: "seconds since start", yLabel: "candidate weight %")
        let s = { (d: Date) in d.timeIntervalSince(t.start) }
        for (i, stage) in t.stages.enumerated() {
            let end = stage.end.map(s) ?? span
            plot.band(x: s(stage.start)...max(end, s(stage.start)), y: 0...100, cssClass: i % 2 == 0 ? "stage-band" : "stage-band alt",
                      label: "stage \(stage.name): \(ReportNumber.timestamp(stage.start)) – \(ReportNumber.timestamp(stage.end))")
            plot.vline(s(stage.start), cssClass: "stage-line", label: stage.name)
        }
        var points = t.weights.map { (s($0.at), Double($0.weight)) }
        if let last = points.last { points.append((span, last.1)) }
        plot.path(points, cssClass: "weight-line", step: true, label: "candidate weight")
        for check in t.checks {
            let weight = t.weights.last { $0.at <= check.at }?.weight ?? 0
            plot.marker(s(check.at), Double(weight), cssClass: "check decision-\(check.decision)",
                        title: "check \(check.look) of stage \(check.stage): \(check.decision) — \(check.summary)")
        }
        for (i, note) in t.annotations.enumerated() {
            plot.vline(s(note.at), cssClass: "annotation kind-\(note.kind)")
            plot.marker(s(note.at), 100 - Double(i % 4) * 9, cssClass: "annotation-dot kind-\(note.kind)", title: note.text, radius: 5)
            plot.text(note.text.count > 38 ? String(note.text.prefix(36)) + "…" : note.text, at: s(note.at), 96 - Double(i % 4) * 9,
                      cssClass: "note", anchor: s(note.at) > span * 0.6 ? "end" : "start")
        }
        return plot.svg(xTickLabel: { ReportNumber.duration($0) })
    }

    /// Both arms' empirical CDFs, p50/p95/p99 of each arm marked.
    static func ecdf(_ d: MetricDistribution, stageKey: String) -> String {
        let values = d.arms.flatMap { $0.ecdf.map { $0[0] } }
        let positive = d.logScale ? values.filter { $0 > 0 } : values
        let lo = positive.min() ?? 0, hi = positive.max() ?? 1
        var plot = SVGPlot(id: "ecdf-\(stageKey)-\(d.metric)", title: "\(d.metric): empirical CDF", x: lo...hi, y: 0...1,
                           xScale: d.logScale && lo > 0 ? .log : .linear, xLabel: d.metric + (d.logScale ? " (log scale)" : ""), yLabel: "share ≤ x")
        for arm in d.arms where !arm.ecdf.isEmpty {
            let css = armClass[arm.arm] ?? "arm-other"
            plot.path(arm.ecdf.map { ($0[0], $0[1]) }, cssClass: "ecdf \(css)", step: true, label: "\(arm.arm): \(arm.count) values")
            for (name, value) in [("p50", arm.p50), ("p95", arm.p95), ("p99", arm.p99)] {
                guard let value else { continue }
                plot.vline(value, cssClass: "quantile \(css)")
                plot.marker(value, ["p50": 0.5, "p95": 0.95, "p99": 0.99][name] ?? 0, cssClass: "quantile-dot \(css)",
                            title: "\(arm.arm) \(name) = \(ReportNumber.format(value))", radius: 3)
            }
        }
        plot.raw(legend(d.arms.map(\.arm), x: plot.left + 8, y: plot.top + 12))
        return plot.svg()
    }

    /// The estimate and its interval at every look against the tolerance band, with any
    /// sequential boundaries the verdict detail carries.
    static func looks(criterion: String, checks: [CheckReport], stageKey: String) -> String? {
        let rows = checks.compactMap { check in check.metrics.first { $0.metric == criterion }.map { (check.look, $0) } }
        guard rows.contains(where: { $0.1.estimate != nil }) else { return nil }
        let boundaryKeys = Set(rows.flatMap { $0.1.extra.keys.filter(Self.isBoundary) }).sorted()
        var ys = rows.flatMap { [$0.1.estimate, $0.1.ciLow, $0.1.ciHigh, $0.1.allowance, $0.1.allowance.map { -$0 }].compactMap { $0 } }
        ys += rows.flatMap { row in boundaryKeys.compactMap { row.1.extra[$0] } }
        ys.append(0)
        let lo = ys.min() ?? -1, hi = ys.max() ?? 1, pad = max((hi - lo) * 0.08, 1e-9)
        let maxLook = Double(rows.map(\.0).max() ?? 1)
        var plot = SVGPlot(id: "looks-\(stageKey)-\(criterion)", title: "\(criterion): estimate and interval at each look", x: 0.5...(maxLook + 0.5),
                           y: (lo - pad)...(hi + pad), xLabel: "look", yLabel: "candidate − baseline")
        let worseHigher = (rows.last?.1.worse ?? "higher") == "higher"
        if let allowance = rows.last?.1.allowance {
            let limit = worseHigher ? allowance : -allowance
            let band = worseHigher ? (lo - pad)...limit : limit...(hi + pad)
            plot.band(x: 0.5...(maxLook + 0.5), y: band, cssClass: "tolerance-band", label: "within tolerance \(rows.last?.1.tolerance ?? "")")
            plot.hline(limit, cssClass: "tolerance-line", label: "tolerance \(rows.last?.1.tolerance ?? ReportNumber.format(limit))")
        }
        plot.hline(0, cssClass: "zero-line")
        for key in boundaryKeys {
            let points = rows.compactMap { row in row.1.extra[key].map { (Double(row.0), $0) } }
            plot.path(points, cssClass: "boundary", label: key)
            if let last = points.last { plot.text(key, at: last.0, last.1, cssClass: "mark-label", anchor: "end") }
        }
        for (look, m) in rows {
            guard let estimate = m.estimate else { continue }
            if let low = m.ciLow, let high = m.ciHigh {
                plot.path([(Double(look), low), (Double(look), high)], cssClass: "interval outcome-\(m.outcome)",
                          label: "look \(look): interval \(ReportNumber.interval(low, high))")
            }
            plot.marker(Double(look), estimate, cssClass: "estimate outcome-\(m.outcome)",
                        title: "look \(look): \(m.outcome), estimate \(ReportNumber.format(estimate)) \(ReportNumber.interval(m.ciLow, m.ciHigh))")
        }
        return plot.svg(xTickLabel: { $0 == $0.rounded() ? String(Int($0)) : "" })
    }

    /// Whether a verdict-detail field names a boundary to draw (`rollback_boundary`, `boundaries.promote`…).
    static func isBoundary(_ key: String) -> Bool {
        let k = key.lowercased()
        return k.contains("bound") && !k.contains("count")
    }

    /// Requests per arm split into successes and each error class.
    static func errors(_ arms: [ArmTraffic], stageKey: String) -> String {
        let classes = Set(arms.flatMap { $0.errorsByClass.keys }).sorted()
        let maxRate = max(arms.map { $0.requests > 0 ? Double($0.errors) / Double($0.requests) : 0 }.max() ?? 0, 0.01)
        var plot = SVGPlot(id: "errors-\(stageKey)", title: "Error rate by class", height: 60 + Double(arms.count) * 34,
                           x: 0...(maxRate * 1.1), y: 0...Double(max(arms.count, 1)), xLabel: "share of requests", yLabel: "")
        for (row, arm) in arms.enumerated() {
            var start = 0.0
            let y0 = Double(arms.count - row) - 0.8, y1 = Double(arms.count - row) - 0.2
            for (i, name) in classes.enumerated() {
                let count = arm.errorsByClass[name] ?? 0
                guard count > 0, arm.requests > 0 else { continue }
                let share = Double(count) / Double(arm.requests)
                plot.band(x: start...(start + share), y: y0...y1, cssClass: "error-bar c\(i % 6)", label: "\(arm.arm) \(name): \(count) of \(arm.requests)")
                start += share
            }
            plot.text("\(arm.arm) \(ReportNumber.percent(arm.requests > 0 ? Double(arm.errors) / Double(arm.requests) : nil))", at: 0, y1 + 0.05, cssClass: "note")
        }
        return plot.svg(xTickLabel: { ReportNumber.percent($0) }, yTickLabel: { _ in "" })
    }

    /// Pass rate per version with its interval.
    static func passRates(_ eval: EvalReport) -> String {
        var plot = SVGPlot(id: "passrate-\(eval.suite)", title: "\(eval.suite): pass rate with 95% interval", height: 80 + Double(eval.passRates.count) * 36,
                           x: 0...1, y: 0...Double(max(eval.passRates.count, 1)), xLabel: "pass rate", yLabel: "")
        for (row, rate) in eval.passRates.enumerated() {
            let y = Double(eval.passRates.count - row) - 0.5
            plot.band(x: 0...rate.rate, y: (y - 0.3)...(y + 0.3), cssClass: "pass-bar \(armClass[rate.arm] ?? "arm-other")",
                      label: "\(rate.arm) \(rate.passed)/\(rate.total)")
            plot.path([(rate.low, y), (rate.high, y)], cssClass: "interval outcome-pass", label: "interval \(ReportNumber.interval(rate.low, rate.high))")
            plot.text("\(rate.version ?? rate.arm): \(ReportNumber.percent(rate.rate))", at: 0.01, y + 0.38, cssClass: "note")
        }
        return plot.svg(xTickLabel: { ReportNumber.percent($0) }, yTickLabel: { _ in "" })
    }

    /// The adjusted p-value of every drift feature against α.
    static func drift(_ d: DriftReport) -> String {
        var plot = SVGPlot(id: "drift-features", title: "Adjusted p-value per feature (drift below α)", height: 70 + Double(d.features.count) * 28,
                           x: 0...1, y: 0...Double(max(d.features.count, 1)), xLabel: "adjusted p-value", yLabel: "")
        if let alpha = d.alpha { plot.vline(alpha, cssClass: "tolerance-line", label: "α \(ReportNumber.format(alpha))") }
        for (row, f) in d.features.enumerated() {
            let y = Double(d.features.count - row) - 0.5
            let p = f.numbers["adjustedPValue"] ?? f.numbers["pValue"] ?? 1
            plot.band(x: 0...max(p, 0.002), y: (y - 0.3)...(y + 0.3), cssClass: f.drifted ? "drift-bar drifted" : "drift-bar", label: "\(f.feature): \(ReportNumber.pValue(p))")
            plot.text(f.feature, at: min(max(p, 0.002) + 0.01, 0.8), y - 0.1, cssClass: "note")
        }
        return plot.svg()
    }

    static func legend(_ arms: [String], x: Double, y: Double) -> String {
        arms.enumerated().map { i, arm in
            let yy = y + Double(i) * 14
            return "<g class=\"legend\"><line class=\"ecdf \(armClass[arm] ?? "arm-other")\" x1=\"\(SVGPlot.n(x))\" x2=\"\(SVGPlot.n(x + 18))\" y1=\"\(SVGPlot.n(yy))\" y2=\"\(SVGPlot.n(yy))\"/><text class=\"note\" x=\"\(SVGPlot.n(x + 22))\" y=\"\(SVGPlot.n(yy + 3))\">\(HTML.escape(arm))</text></g>"
        }.joined()
    }
}
