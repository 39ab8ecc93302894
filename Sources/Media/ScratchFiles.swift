import Foundation

/// Temporary files that never outlive the work that needs them.
enum ScratchFiles {
    /// Runs `body` with a fresh private directory under the system temporary folder, removed afterwards whatever
    /// happens.
    static func withDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("holysheep-media-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    /// Lets `body` write a hidden temporary file beside `destination` (same extension, so tools infer the format),
    /// then renames it over `destination` in one atomic step. On any error or cancellation the temporary file is
    /// removed and `destination` is left as it was.
    static func writeAtomically(to destination: URL, _ body: (URL) async throws -> Void) async throws {
        let folder = destination.deletingLastPathComponent()
        let partial = folder.appendingPathComponent(
            ".\(destination.deletingPathExtension().lastPathComponent).\(UUID().uuidString.prefix(8)).partial."
                + destination.pathExtension)
        do {
            try await body(partial)
            guard rename(partial.path, destination.path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw MediaError(
                    .fileSystem,
                    "\(destination.path) could not be written (\(reason)). Check that its folder exists and is writable.")
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }
}
