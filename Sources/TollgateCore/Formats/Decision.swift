/// What the rollout should do next after a judgement: the judges' decision and a stage verdict's.
public enum Decision: String, Codable, Sendable, CaseIterable {
    /// The candidate is at least as good as required: go to the next stage.
    case promote
    /// Not enough evidence either way, or a marginal score: stay at this stage and keep collecting.
    case hold
    /// The candidate is worse beyond tolerance: send all traffic back to the baseline.
    case rollback
}
