import Foundation
import TollgateCore

/// Printing helpers shared by the commands: JSON for machines, aligned tables for people.
enum Output {
    /// The JSON of every `--json`, on stdout, in Tollgate's one convention (``JSONOutput``):
    /// pretty-printed, or with `compact` one document on one line (JSON Lines, `--watch --json`).
    static func printJSON(_ value: some Encodable, compact: Bool = false) throws {
        line(try JSONOutput.text(value, compact: compact))
    }

    /// Whether stdout is a terminal (screen-control escapes are written only to one).
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Writes a line to stdout at once (not buffered), so that a pipe or a log sees progress
    /// as it happens, even if the process is killed later.
    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((terminalSafe(text) + "\n").utf8))
    }

    /// Writes a line to stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((terminalSafe(message) + "\n").utf8))
    }

    /// `text` with every control character but newline and tab written as `\u{1B}`: user text
    /// (operator reasons, alert labels, model answers) can neither clear the screen, forge lines
    /// with escape sequences, nor cut a line short with a NUL.
    static func terminalSafe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var safe = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                safe.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                safe.append(scalar)
            }
        }
        return String(safe)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar != "\t" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `01:23:45`, UTC.
    static func clock(_ date: Date) -> String {
        String(timestamp(date).dropFirst(11).prefix(8))
    }

    /// `2026-11-30 01:23:45Z`.
    static func timestamp(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + "Z"
    }
}
