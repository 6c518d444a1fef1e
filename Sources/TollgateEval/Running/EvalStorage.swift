import Foundation
import TollgateCore
import TollgateStore

/// Writes an eval run to the run history: a run of kind `eval`, every answer as a sample, every
/// case's scores as an eval result, and the comparison in the journal.
enum EvalStorage {
    /// Answers are scored before this is called; `text` decides what of them is stored.
    static func save(_ result: EvalComparison, answers: [CaseAnswer], store: RunStore, text: StoredTextPolicy) throws(EvalError) -> String {
        do {
            return try store.write { tx in
                let run = try tx.createRun(NewRun(kind: .eval, name: result.suite, target: result.suite,
                                                  baselineVersion: result.baseline, candidateVersion: result.candidate),
                                           at: result.startedAt)
                try tx.insertSamples(answers.map(\.sample), runID: run.id, stage: nil, text: text)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for score in result.scores {
                    let details = String(decoding: try encoder.encode(score.outcomes), as: UTF8.self)
                    try tx.insertEvalResult(StoredEvalResult(runId: run.id, suite: result.suite, caseId: score.caseID,
                                                             arm: score.arm.rawValue, repetition: score.repetition,
                                                             passed: score.passed, score: score.score, answer: score.answer,
                                                             details: details), text: text)
                }
                struct Finished: Encodable {
                    var quality: QualityComparison
                    var compatibility: CompatibilityReport
                    var overall: QualityDecision
                }
                try tx.appendEvent(runID: run.id, kind: "eval_finished",
                                   payload: Finished(quality: result.quality, compatibility: result.compatibility, overall: result.overall),
                                   at: result.finishedAt)
                try tx.setStatus(runID: run.id, status: .completed, outcome: result.overall.rawValue, at: result.finishedAt)
                return run.id
            }
        } catch {
            throw .store("\(error)")
        }
    }
}
