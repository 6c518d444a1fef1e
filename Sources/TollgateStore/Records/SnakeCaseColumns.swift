public import GRDB

/// A record whose Swift properties (`runId`, `startedAt`) map to snake-case columns
/// (`run_id`, `started_at`), as every table of Tollgate's schema is written.
public protocol SnakeCaseColumns: FetchableRecord, EncodableRecord {}

extension SnakeCaseColumns {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}
