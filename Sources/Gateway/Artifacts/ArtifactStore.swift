import Foundation

/// Where finished videos are kept: every job's video is stored here before the job completes, and served from
/// here by `GET /v1/video/generations/{id}/content`.
public protocol ArtifactStore: Sendable {
    /// A file beside the store's videos where a provider can write a video before ``store(jobID:from:)`` (same
    /// file system, so storing is a rename).
    func stagingURL(jobID: String) throws -> URL
    /// Moves `file` into the store as the job's video. Returns the path recorded with the job.
    func store(jobID: String, from file: URL) throws -> String
    /// The job's video as a local file, nil when it is missing.
    func localFile(jobID: String) -> URL?
}
