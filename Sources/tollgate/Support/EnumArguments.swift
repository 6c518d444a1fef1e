public import ArgumentParser
import TollgateAnalysis
import TollgateCore
import TollgateStats

// The library enums the command line takes as option values. With ExpressibleByArgument (and
// CaseIterable), `--help` lists the values and a bad one gets ArgumentParser's own error (exit 64)
// before the command runs; the raw values are the spellings of Tollgate's files.

/// `--api` of `replay` and `shadow`.
extension ModelAPI: ExpressibleByArgument {}
/// `--version` of `qualify`.
extension Arm: ExpressibleByArgument {}
/// `--alternative` of `stats`.
extension Alternative: ExpressibleByArgument {}
/// `--comparison` of `stats`.
extension Bootstrap.Comparison: ExpressibleByArgument {}
/// `--interval` of `stats`.
extension Bootstrap.IntervalMethod: ExpressibleByArgument {}
/// `--kind` of `judge`.
extension MetricKind: ExpressibleByArgument {}
/// `--worse` of `judge`.
extension Worse: ExpressibleByArgument {}
/// `--scale` of `judge`.
extension LatencyScale: ExpressibleByArgument {}
