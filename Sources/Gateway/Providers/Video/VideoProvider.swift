import Foundation

/// What a provider is asked to make: the job's validated request and its id.
public struct VideoTask: Sendable, Equatable {
    public var jobID: String
    public var model: String
    /// The upstream model name of the deployment, if it has one.
    public var upstreamModel: String?
    public var spec: VideoJobSpec

    public init(jobID: String, model: String, upstreamModel: String? = nil, spec: VideoJobSpec) {
        self.jobID = jobID
        self.model = model
        self.upstreamModel = upstreamModel
        self.spec = spec
    }
}

/// Where a provider's task is.
public enum VideoTaskState: Sendable, Equatable {
    /// Still running, 0–99.
    case running(progress: Int)
    /// Done: ``VideoProvider/download(taskID:to:)`` fetches the video.
    case succeeded
    /// The provider gave up; `code` and `message` are shown to the caller.
    case failed(code: String, message: String)
}

/// A video generation backend, in the asynchronous shape every provider API has: submit a task, poll it, download
/// the result, or cancel it. The previz renderer is one (``PrevizVideoProvider``); hosted providers (Seedance,
/// Kling, …) plug in behind the same calls.
public protocol VideoProvider: Sendable {
    /// Starts the task; returns the provider's task id.
    func submit(_ task: VideoTask) async throws -> String
    func poll(taskID: String) async throws -> VideoTaskState
    /// Writes the finished video to `destination` (a file the caller owns).
    func download(taskID: String, to destination: URL) async throws
    /// Stops the task if it runs; safe to call for an unknown or finished task.
    func cancel(taskID: String) async
}

/// A provider failure with a code and message for the job's `error`.
public struct VideoProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// A deployment whose provider kind has no video adapter in this build.
    public static func notSupported(kind: String, deployment: String) -> VideoProviderError {
        VideoProviderError(
            code: "provider_not_supported",
            message: "The deployment \(deployment) uses provider kind `\(kind)`, which this gateway cannot call for video yet. "
                + "Route the model to a `previz` deployment, or use a sandbox key (hs_test_…), which always renders previz.")
    }
}
