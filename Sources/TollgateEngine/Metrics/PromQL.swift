import Foundation
public import TollgateCore

/// Builds the PromQL Tollgate sends: a histogram's bucket increases over a window, summed by `le`
/// across the arm's instances; a counter's increase; custom queries with `{{selector}}` and `{{version}}` filled in.
public enum PromQL {
    /// A range in whole seconds, at least `minimum` (Prometheus needs two scrapes inside a range).
    public static func range(_ seconds: Double, minimum: Double = 2) -> String {
        "[\(Int(max(seconds, minimum).rounded(.up)))s]"
    }

    /// `sum by (le) (increase(NAME_bucket{SELECTOR}[Ws]))`: the requests of the window in each bucket.
    public static func bucketIncrease(histogram name: String, _ selector: PromSelector, windowSeconds: Double) -> String {
        "sum by (le) (increase(\(name)_bucket\(selector)\(range(windowSeconds))))"
    }

    /// `sum(increase(NAME{SELECTOR}[Ws]))`: a counter's (or a histogram's `_count`) increase over the window.
    public static func increase(_ name: String, _ selector: PromSelector, windowSeconds: Double) -> String {
        "sum(increase(\(name)\(selector)\(range(windowSeconds))))"
    }

    /// A custom query with `{{selector}}` replaced by the arm's selector, `{{version}}` by its
    /// version (escaped as a label value's content) and `{{window}}` by the window's range.
    public static func fill(_ template: String, selector: PromSelector, version: String, windowSeconds: Double) -> String {
        let escapedVersion = String(PromSelector.quote(version).dropFirst().dropLast())
        return template.replacingOccurrences(of: "{{selector}}", with: selector.description)
            .replacingOccurrences(of: "{{version}}", with: escapedVersion)
            .replacingOccurrences(of: "{{window}}", with: range(windowSeconds))
    }
}
