import Foundation

/// How long ago this process started, so `tollgate sim --cold-start 2s` is ready 2 s after the
/// process was started (what a caller timing a cold start measures), not 2 s after it got round
/// to listening.
public enum ProcessAge {
    /// Seconds since the process started, from `/proc/self/stat` (field 22, `starttime`, in clock
    /// ticks since boot) and `/proc/uptime`; nil where those do not exist (macOS).
    public static func seconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name in parentheses start at field 3 (state).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard fields.count > 19, let start = Double(fields[19]), ticks > 0,
              let up = uptime.split(separator: " ").first.flatMap({ Double($0) }) else { return nil }
        return max(0, up - start / ticks)
    }
}
