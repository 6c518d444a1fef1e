public import Foundation

/// The one convention of the JSON Tollgate prints and serves — every `--json`, `report --format
/// json`, and the answers of `tollgate serve`'s API: snake_case keys (the case of Tollgate's
/// files, database columns and metric names), keys sorted, ISO 8601 UTC dates, slashes unescaped.
///
/// Journal payloads and webhook bodies keep their own shapes (stored JSON and the receivers' formats).
public enum JSONOutput {
    /// An encoder for the convention; `compact` writes one document on one line (JSON Lines).
    public static func encoder(compact: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// `value` as text in the convention.
    public static func text(_ value: some Encodable, compact: Bool = false) throws -> String {
        String(decoding: try encoder(compact: compact).encode(value), as: UTF8.self)
    }
}
