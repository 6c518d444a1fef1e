import Foundation
import GRDB
import TollgateCore

/// A run's stages.
extension StoreTransaction {
    /// Inserts or replaces a stage row.
    public func saveStage(_ stage: StageRecord) throws {
        try stage.save(db)
    }

    /// A run's stages in pipeline order.
    public func stages(runID: String) throws -> [StageRecord] {
        try StageRecord.filter(Column("run_id") == runID).order(Column("idx")).fetchAll(db)
    }
}
