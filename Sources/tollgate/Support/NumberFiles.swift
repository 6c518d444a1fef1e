import Foundation
import TollgateCore

/// Reads the number files `tollgate stats` and `tollgate judge` take: one number per line (blank
/// lines and `#` comments ignored), or a JSON array of numbers. Problems are reported as
/// `path:line: message`.
enum NumberFile {
    /// A number file that cannot be used: bad input, printed as `path:line: message`.
    struct Problem: ClassifiedError {
        var description: String
        var kind: FailureKind { .badInput }
    }

    static func read(_ path: String) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "\(path): cannot read the file; check the path and permissions.")
        }
        let text = String(decoding: data, as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") {
            do {
                return try JSONDecoder().decode([Double].self, from: Data(trimmed.utf8))
            } catch {
                throw Problem(description: "\(path):1: expected a JSON array of numbers.")
            }
        }
        var values: [Double] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if line.isEmpty { continue }
            guard let value = Double(line), value.isFinite else {
                throw Problem(description: "\(path):\(index + 1): '\(line)' is not a finite number; write one number per line.")
            }
            values.append(value)
        }
        return values
    }
}
