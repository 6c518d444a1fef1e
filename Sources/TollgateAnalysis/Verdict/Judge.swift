import TollgateCore

/// A judge: compares each criterion's baseline and candidate samples (keyed by metric name) and
/// decides promote, hold or rollback with a scored ``Verdict``. ``TollgateJudge``,
/// ``GroupSequentialJudge``, ``AlwaysValidJudge`` and ``KayentaJudge`` implement it;
/// ``JudgeChoice/makeJudge(settings:design:lookSizes:scale:)`` picks one.
public protocol Judge: Sendable {
    func judge(criteria: [MetricCriterion], data: [String: MetricSamples]) throws -> Verdict
}

/// Which judge decides: the one place a judge is chosen and configured, for `tollgate judge`
/// and for a pipeline's stages.
public enum JudgeChoice: String, Sendable, Codable, CaseIterable {
    /// Fixed-horizon intervals per metric kind (``TollgateJudge``).
    case tollgate
    /// The group-sequential test over a stage's planned samples (``GroupSequentialJudge``).
    case sequential
    /// Always-valid confidence sequences tuned to the planned samples (``AlwaysValidJudge``).
    case alwaysValid = "always-valid"
    /// Spinnaker Kayenta's NetflixACAJudge (``KayentaJudge``).
    case kayenta

    /// The judge of this choice.
    /// - Parameters:
    ///   - settings: confidence, thresholds and seed (Kayenta uses only the thresholds).
    ///   - design: the stage's planned samples and error rates; `sequential` and `always-valid`
    ///     need it (always-valid uses its `maxSamples` as the horizon).
    ///   - lookSizes: `sequential`: samples per arm at every look so far, the current one last.
    ///   - scale: `sequential`: how latencies are compared.
    /// - Throws: ``AnalysisError/invalidSetting(_:)`` when a sequential judge has no design.
    public func makeJudge(settings: JudgeSettings, design: SequentialDesign? = nil, lookSizes: [Int] = [],
                          scale: LatencyScale = .log) throws -> any Judge {
        switch self {
        case .tollgate:
            return TollgateJudge(settings: settings)
        case .kayenta:
            return KayentaJudge(passThreshold: settings.passThreshold, marginalThreshold: settings.marginalThreshold)
        case .sequential, .alwaysValid:
            guard let design else {
                throw AnalysisError.invalidSetting("The \(rawValue) judge needs the stage's planned samples per arm (its horizon).")
            }
            if self == .alwaysValid { return AlwaysValidJudge(horizon: design.maxSamples, settings: settings) }
            return GroupSequentialJudge(design: design, lookSizes: lookSizes, scale: scale, settings: settings)
        }
    }
}
