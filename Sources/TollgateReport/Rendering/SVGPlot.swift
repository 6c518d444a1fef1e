import Foundation

/// A small SVG plot: linear or log axes, ticks, paths, markers and bands, drawn as text so a
/// report needs no script or font from anywhere. Coordinates are data units; ``x(_:)`` and
/// ``y(_:)`` map them to pixels.
struct SVGPlot {
    enum Scale { case linear, log }

    let id: String
    let title: String
    let width: Double
    let height: Double
    let xRange: ClosedRange<Double>
    let yRange: ClosedRange<Double>
    let xScale: Scale
    let xLabel: String
    let yLabel: String
    let left = 56.0, right = 14.0, top = 24.0, bottom = 38.0
    private(set) var body = ""

    init(id: String, title: String, width: Double = 520, height: Double = 250, x: ClosedRange<Double>, y: ClosedRange<Double>,
         xScale: Scale = .linear, xLabel: String, yLabel: String) {
        self.id = id
        self.title = title
        self.width = width
        self.height = height
        self.xScale = xScale
        self.xLabel = xLabel
        self.yLabel = yLabel
        var x = x, y = y
        if xScale == .log { x = max(x.lowerBound, 1e-3)...max(x.upperBound, max(x.lowerBound, 1e-3) * 1.0001) }
        if x.lowerBound == x.upperBound { x = (x.lowerBound - 1)...(x.upperBound + 1) }
        if y.lowerBound == y.upperBound { y = (y.lowerBound - 1)...(y.upperBound + 1) }
        xRange = x
        yRange = y
    }

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    func x(_ value: Double) -> Double {
        let v: Double, lo: Double, hi: Double
        switch xScale {
        case .linear: (v, lo, hi) = (value, xRange.lowerBound, xRange.upperBound)
        case .log: (v, lo, hi) = (log10(max(value, xRange.lowerBound)), log10(xRange.lowerBound), log10(xRange.upperBound))
        }
        return left + (v - lo) / (hi - lo) * plotWidth
    }

    func y(_ value: Double) -> Double {
        top + (1 - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)) * plotHeight
    }

    static func n(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A polyline through `points` (data units), as one `<path>`.
    mutating func path(_ points: [(Double, Double)], cssClass: String, step: Bool = false, label: String? = nil) {
        guard let first = points.first else { return }
        var d = "M\(Self.n(x(first.0))),\(Self.n(y(first.1)))"
        var previous = first
        for point in points.dropFirst() {
            if step { d += " L\(Self.n(x(point.0))),\(Self.n(y(previous.1)))" }
            d += " L\(Self.n(x(point.0))),\(Self.n(y(point.1)))"
            previous = point
        }
        body += "<path class=\"\(cssClass)\" d=\"\(d)\">\(label.map { "<title>\(HTML.escape($0))</title>" } ?? "")</path>"
    }

    /// A vertical line at `value` across the plot, with a short label at the top.
    mutating func vline(_ value: Double, cssClass: String, label: String? = nil) {
        let px = x(value)
        body += "<line class=\"\(cssClass)\" x1=\"\(Self.n(px))\" x2=\"\(Self.n(px))\" y1=\"\(Self.n(top))\" y2=\"\(Self.n(top + plotHeight))\"/>"
        if let label { body += "<text class=\"mark-label\" x=\"\(Self.n(px + 2))\" y=\"\(Self.n(top + 10))\">\(HTML.escape(label))</text>" }
    }

    /// A horizontal line at `value`.
    mutating func hline(_ value: Double, cssClass: String, label: String? = nil) {
        let py = y(value)
        body += "<line class=\"\(cssClass)\" x1=\"\(Self.n(left))\" x2=\"\(Self.n(left + plotWidth))\" y1=\"\(Self.n(py))\" y2=\"\(Self.n(py))\"/>"
        if let label { body += "<text class=\"mark-label\" x=\"\(Self.n(left + plotWidth - 4))\" y=\"\(Self.n(py - 3))\" text-anchor=\"end\">\(HTML.escape(label))</text>" }
    }

    /// A filled rectangle between two data corners.
    mutating func band(x: ClosedRange<Double>, y: ClosedRange<Double>, cssClass: String, label: String? = nil) {
        let x0 = self.x(x.lowerBound), x1 = self.x(x.upperBound), y0 = self.y(y.upperBound), y1 = self.y(y.lowerBound)
        body += "<rect class=\"\(cssClass)\" x=\"\(Self.n(min(x0, x1)))\" y=\"\(Self.n(min(y0, y1)))\" width=\"\(Self.n(abs(x1 - x0)))\" height=\"\(Self.n(abs(y1 - y0)))\">\(label.map { "<title>\(HTML.escape($0))</title>" } ?? "")</rect>"
    }

    /// A dot with a hover title.
    mutating func marker(_ px: Double, _ py: Double, cssClass: String, title: String, radius: Double = 4) {
        body += "<circle class=\"\(cssClass)\" cx=\"\(Self.n(x(px)))\" cy=\"\(Self.n(y(py)))\" r=\"\(Self.n(radius))\"><title>\(HTML.escape(title))</title></circle>"
    }

    /// Text at a data position.
    mutating func text(_ value: String, at px: Double, _ py: Double, cssClass: String = "note", anchor: String = "start") {
        body += "<text class=\"\(cssClass)\" x=\"\(Self.n(x(px)))\" y=\"\(Self.n(y(py)))\" text-anchor=\"\(anchor)\">\(HTML.escape(value))</text>"
    }

    /// Raw SVG drawn in pixel space (legends).
    mutating func raw(_ svg: String) { body += svg }

    /// Tick values for an axis: powers and 2/5 multiples on a log axis, round steps on a linear one.
    static func ticks(_ range: ClosedRange<Double>, scale: Scale) -> [Double] {
        switch scale {
        case .log:
            var ticks: [Double] = []
            var decade = pow(10, floor(log10(range.lowerBound)))
            while decade <= range.upperBound * 1.0001 {
                for m in [1.0, 2, 5] where decade * m >= range.lowerBound * 0.9999 && decade * m <= range.upperBound * 1.0001 { ticks.append(decade * m) }
                decade *= 10
            }
            return ticks
        case .linear:
            let span = range.upperBound - range.lowerBound
            let raw = span / 5
            let magnitude = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
            var tick = ceil(range.lowerBound / step) * step
            var ticks: [Double] = []
            while tick <= range.upperBound + step * 1e-9 { ticks.append(abs(tick) < step * 1e-9 ? 0 : tick); tick += step }
            return ticks
        }
    }

    /// The finished `<svg>` element, with axes, grid and labels.
    func svg(xTickLabel: (Double) -> String = { ReportNumber.format($0) }, yTickLabel: (Double) -> String = { ReportNumber.format($0) }) -> String {
        var axes = "<rect class=\"frame\" x=\"\(Self.n(left))\" y=\"\(Self.n(top))\" width=\"\(Self.n(plotWidth))\" height=\"\(Self.n(plotHeight))\"/>"
        for tick in Self.ticks(xRange, scale: xScale) {
            let px = x(tick)
            axes += "<line class=\"grid\" x1=\"\(Self.n(px))\" x2=\"\(Self.n(px))\" y1=\"\(Self.n(top))\" y2=\"\(Self.n(top + plotHeight))\"/>"
            axes += "<text class=\"tick\" x=\"\(Self.n(px))\" y=\"\(Self.n(top + plotHeight + 13))\" text-anchor=\"middle\">\(HTML.escape(xTickLabel(tick)))</text>"
        }
        for tick in Self.ticks(yRange, scale: .linear) {
            let py = y(tick)
            axes += "<line class=\"grid\" x1=\"\(Self.n(left))\" x2=\"\(Self.n(left + plotWidth))\" y1=\"\(Self.n(py))\" y2=\"\(Self.n(py))\"/>"
            axes += "<text class=\"tick\" x=\"\(Self.n(left - 4))\" y=\"\(Self.n(py + 3))\" text-anchor=\"end\">\(HTML.escape(yTickLabel(tick)))</text>"
        }
        axes += "<text class=\"axis-label\" x=\"\(Self.n(left + plotWidth / 2))\" y=\"\(Self.n(height - 6))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        axes += "<text class=\"axis-label\" transform=\"translate(12,\(Self.n(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>"
        axes += "<text class=\"plot-title\" x=\"\(Self.n(left))\" y=\"14\">\(HTML.escape(title))</text>"
        return "<svg class=\"plot\" id=\"\(HTML.escape(id))\" data-plot=\"\(HTML.escape(id))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\(axes)<g clip-path=\"none\">\(body)</g></svg>"
    }
}

/// Escaping for HTML text and attribute values.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
