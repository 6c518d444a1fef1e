import Foundation
public import TollgateCore

/// Where replay sends its measured samples, in batches (the SQLite store, memory in tests, a file).
public protocol SampleSink: Sendable {
    func write(_ batch: [Sample]) async throws
}

/// Sends every batch to several sinks in turn (a database and a file, for example).
public struct CombinedSampleSink: SampleSink {
    public let sinks: [any SampleSink]

    public init(_ sinks: [any SampleSink]) { self.sinks = sinks }

    public func write(_ batch: [Sample]) async throws {
        for sink in sinks { try await sink.write(batch) }
    }
}

/// Keeps every sample in memory: for tests and for callers that analyse a short run themselves.
public actor MemorySampleSink: SampleSink {
    public private(set) var samples: [Sample] = []
    /// Sizes of the batches received, in order.
    public private(set) var batchSizes: [Int] = []

    public init() {}

    public func write(_ batch: [Sample]) async throws {
        samples.append(contentsOf: batch)
        batchSizes.append(batch.count)
    }
}

/// Writes samples as JSON Lines (one `Sample` per line, `startedAt` in seconds since 1970) to a file.
public actor JSONLinesSampleSink: SampleSink {
    private let handle: FileHandle
    private let encoder: JSONEncoder

    public init(path: String) throws(TrafficError) {
        // Owner-only (0600): the samples may hold answers.
        guard let handle = try? PrivateFiles.createForWriting(path) else {
            throw .sinkFailed("cannot create \(path)")
        }
        self.handle = handle
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
    }

    public func write(_ batch: [Sample]) async throws {
        var data = Data()
        for sample in batch {
            data.append(try encoder.encode(sample))
            data.append(0x0A)
        }
        try handle.write(contentsOf: data)
    }

    public func close() throws { try handle.close() }
}
