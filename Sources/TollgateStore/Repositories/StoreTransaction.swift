import GRDB

/// The operations on Tollgate's tables, valid inside one ``RunStore/write(_:)`` or
/// ``RunStore/read(_:)`` closure (all of a write closure commits together).
///
/// One extension file per table or concept: `Runs.swift`, `Journal.swift`, `Stages.swift`,
/// `Samples.swift`, `Verdicts.swift` (and decisions), `Alerts.swift`, `Schedule.swift`,
/// `EvalResults.swift`, `DriftResults.swift`, `Leases.swift`, `Audit.swift`, `Pruning.swift`.
public struct StoreTransaction {
    let db: Database
}
