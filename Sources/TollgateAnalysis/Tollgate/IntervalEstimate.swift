/// An interval for the difference candidate − baseline of one metric, before classification.
struct IntervalEstimate {
    var method: String
    var baselineValue: Double
    var candidateValue: Double
    /// The baseline value a relative tolerance is taken of.
    var reference: Double
    var estimate: Double
    var low: Double
    var high: Double
    var pValue: Double?
    /// Observations per arm that produced the interval (the smaller arm).
    var perArm: Int
    /// How the interval width shrinks with more samples: 0.5 for fixed-sample intervals (1/√n).
    var widthExponent: Double = 0.5
}
