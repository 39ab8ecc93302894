import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Videos as `{job id}.mp4` files in one folder (`artifacts.path`, default `./artifacts`). A video is written
/// under a temporary name and renamed into place, so a reader never sees a partial file.
public struct LocalArtifactStore: ArtifactStore {
    public let root: URL

    public init(path: String) {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    public func stagingURL(jobID: String) throws -> URL {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root.appendingPathComponent(".\(jobID).\(UUID().uuidString.prefix(8)).part.mp4")
    }

    public func store(jobID: String, from file: URL) throws -> String {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let destination = url(jobID: jobID)
        guard rename(file.path, destination.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path, "errno": errno])
        }
        return destination.path
    }

    public func localFile(jobID: String) -> URL? {
        let file = url(jobID: jobID)
        return FileManager.default.fileExists(atPath: file.path) ? file : nil
    }

    private func url(jobID: String) -> URL {
        root.appendingPathComponent("\(jobID).mp4")
    }
}
