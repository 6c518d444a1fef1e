import Foundation
import GRDB
import TollgateCore

/// How a ``Sample`` is laid out in the `samples` table: chunk times packed as
/// little-endian float64 (8 bytes a chunk), tags as a JSON array.
struct SampleRow: Codable, FetchableRecord, PersistableRecord, SnakeCaseColumns {
    static let databaseTableName = "samples"

    /// The row id SQLite assigns (`nil` until inserted).
    var id: Int64?
    var runId: String
    var stage: Int?
    var requestId: String
    var arm: String
    var startedAt: Date
    var firstByteMs: Double?
    var ttftMs: Double?
    var e2eMs: Double?
    var chunkTimes: Data
    var inputTokens: Int?
    var outputTokens: Int?
    var tokensEstimated: Bool
    var finishReason: String?
    var httpStatus: Int?
    var bytes: Int
    var errorClass: String?
    var errorMessage: String?
    var attempts: Int
    var responseText: String?
    var tags: String
    /// For a sample copied from another run (a live canary's copy of a gateway sample): the id of
    /// the row it was copied from.
    var sourceSampleId: Int64?

    init(_ sample: Sample, runID: String, stage: Int?) {
        runId = runID
        self.stage = stage
        requestId = sample.requestID
        arm = sample.arm.rawValue
        startedAt = sample.startedAt
        firstByteMs = sample.firstByteMs
        ttftMs = sample.ttftMs
        e2eMs = sample.e2eMs
        chunkTimes = Self.pack(sample.chunkTimesMs)
        inputTokens = sample.inputTokens
        outputTokens = sample.outputTokens
        tokensEstimated = sample.tokensEstimated
        finishReason = sample.finishReason
        httpStatus = sample.httpStatus
        bytes = sample.bytes
        errorClass = sample.errorClass?.rawValue
        errorMessage = sample.errorMessage
        attempts = sample.attempts
        responseText = sample.responseText
        tags = (try? String(decoding: JSONEncoder().encode(sample.tags), as: UTF8.self)) ?? "[]"
    }

    var sample: Sample {
        Sample(
            requestID: requestId, arm: Arm(rawValue: arm) ?? .baseline, startedAt: startedAt,
            firstByteMs: firstByteMs, ttftMs: ttftMs, chunkTimesMs: Self.unpack(chunkTimes),
            e2eMs: e2eMs, inputTokens: inputTokens, outputTokens: outputTokens,
            tokensEstimated: tokensEstimated, finishReason: finishReason, httpStatus: httpStatus,
            bytes: bytes, errorClass: errorClass.flatMap(ErrorClass.init(rawValue:)),
            errorMessage: errorMessage, attempts: attempts, responseText: responseText,
            tags: (try? JSONDecoder().decode([String].self, from: Data(tags.utf8))) ?? []
        )
    }

    static func pack(_ values: [Double]) -> Data {
        var data = Data(capacity: values.count * 8)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func unpack(_ data: Data) -> [Double] {
        let count = data.count / 8
        var values = [Double]()
        values.reserveCapacity(count)
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                let bits = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                values.append(Double(bitPattern: UInt64(littleEndian: bits)))
            }
        }
        return values
    }
}
