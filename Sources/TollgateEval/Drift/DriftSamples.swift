public import Foundation
public import TollgateCore
public import TollgateStore

/// Loads the samples a drift suite compares: the reference (a stored run, the last promoted run of
/// a pipeline, or a JSON Lines file) and, for `current: { recent: … }`, the gateway's recent samples.
public enum DriftSamples {
    /// The reference samples and a description of where they came from.
    public static func reference(_ reference: DriftReference, store: RunStore?) throws(EvalError) -> (samples: [Sample], source: String) {
        switch reference {
        case .file(let path):
            return (try readFile(path), path)
        case .run(let id):
            guard let store else { throw .referenceNotFound("the reference is run \(id), but no database was opened.") }
            do {
                let run = try store.run(id)
                return (preferredArm(try store.samples(runID: run.id)), "run \(run.id)")
            } catch let error as StoreError {
                if case .runNotFound = error { throw .referenceNotFound("no run with id '\(id)' in \(store.path).") }
                throw .store(error.description)
            } catch {
                throw .store("\(error)")
            }
        case .lastPromoted(let pipeline):
            guard let store else { throw .referenceNotFound("the reference is the last promoted run of \(pipeline), but no database was opened.") }
            do {
                let promoted = try store.read { try $0.runs(statuses: [.promoted]) }.filter { $0.name == pipeline || $0.pipelinePath == pipeline }
                guard let run = promoted.first else {
                    throw EvalError.referenceNotFound("no promoted run of the pipeline '\(pipeline)' in \(store.path); promote one first or give 'reference: { run: ID }' or '{ file: … }'.")
                }
                return (preferredArm(try store.samples(runID: run.id)), "run \(run.id) (last promoted of \(pipeline))")
            } catch let error as EvalError {
                throw error
            } catch {
                throw .store("\(error)")
            }
        }
    }

    /// Samples the gateway recorded in the last `window` (runs of kind `gateway` or `rollout`, the
    /// arm serving `version` when a run names it as its candidate or baseline).
    public static func recent(window: Duration, version: String?, store: RunStore?, now: Date = Date()) throws(EvalError) -> [Sample] {
        guard let store else { throw .referenceNotFound("'current: { recent: … }' needs the run history database.") }
        let since = now.addingTimeInterval(-DurationText.seconds(window))
        do {
            return try store.read { tx in
                var samples: [Sample] = []
                for run in try tx.runs() where (run.kind == .gateway || run.kind == .rollout) && run.updatedAt >= since {
                    var arm: Arm?
                    if let version, version != "live" {
                        if run.candidateVersion == version { arm = .candidate } else if run.baselineVersion == version { arm = .baseline } else { continue }
                    }
                    samples += try tx.samples(runID: run.id, arm: arm).filter { $0.startedAt >= since && $0.arm != .shadow }
                }
                return samples
            }
        } catch {
            throw .store("\(error)")
        }
    }

    /// A rollout's samples include both arms: the candidate's describe the promoted version.
    static func preferredArm(_ samples: [Sample]) -> [Sample] {
        let candidate = samples.filter { $0.arm == .candidate }
        return candidate.isEmpty ? samples : candidate
    }

    /// Samples exported as JSON Lines (the `Sample` JSON of `tollgate replay --samples`).
    public static func readFile(_ path: String) throws(EvalError) -> [Sample] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .badSamples(source: path, reason: "it cannot be read (\(error.localizedDescription)).")
        }
        let decoder = JSONDecoder()
        var samples: [Sample] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                decoder.dateDecodingStrategy = trimmed.contains("\"startedAt\":\"") ? .iso8601 : .secondsSince1970
                samples.append(try decoder.decode(Sample.self, from: Data(trimmed.utf8)))
            } catch {
                throw .badSamples(source: path, reason: "line \(i + 1) is not a sample (\(error)).")
            }
        }
        if samples.isEmpty { throw .badSamples(source: path, reason: "it holds no sample.") }
        return samples
    }
}
