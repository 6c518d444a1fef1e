public import Foundation

/// Files Tollgate writes that may hold run history or answers: created readable by the owner
/// only (files 0600, folders 0700), whatever the umask.
public enum PrivateFiles {
    public static let fileMode: Int16 = 0o600
    public static let directoryMode: Int16 = 0o700

    /// Creates the folders on the way to `path` (0700 each) and the file itself, empty, with mode
    /// 0600 when it does not exist yet. Returns whether the file was created.
    @discardableResult
    public static func prepare(_ path: String) throws -> Bool {
        try createDirectories(URL(fileURLWithPath: path).deletingLastPathComponent())
        guard !FileManager.default.fileExists(atPath: path) else { return false }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode_t(fileMode))
        guard fd >= 0 else {
            // Another process created it first: fine; anything else is the world failing.
            if errno == EEXIST { return false }
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        // open(2) applies the umask; the mode must not depend on it.
        fchmod(fd, mode_t(fileMode))
        close(fd)
        return true
    }

    /// Creates the missing folders of `url`, outermost first, each 0700 whatever the umask.
    static func createDirectories(_ url: URL) throws {
        var missing: [URL] = []
        var current = url.standardizedFileURL
        while !FileManager.default.fileExists(atPath: current.path), current.path != "/" {
            missing.append(current)
            current = current.deletingLastPathComponent()
        }
        for folder in missing.reversed() {
            if mkdir(folder.path, mode_t(directoryMode)) != 0, errno != EEXIST {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: folder.path])
            }
            chmod(folder.path, mode_t(directoryMode))
        }
    }

    /// Creates (or truncates) `path` with mode 0600 and returns a handle for writing it.
    public static func createForWriting(_ path: String) throws -> FileHandle {
        try prepare(path)
        chmod(path, mode_t(fileMode))
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        try handle.truncate(atOffset: 0)
        return handle
    }

    /// A warning when `path` exists and other users may read it (group or world read bits).
    public static func exposureWarning(_ path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = (attributes[.posixPermissions] as? NSNumber)?.int16Value else { return nil }
        guard mode & 0o044 != 0 else { return nil }
        return "\(path) is readable by other users (mode \(String(mode, radix: 8))); it holds run history: run `chmod 600 \(path)`."
    }
}
