import Foundation

/// Where clips come from: a video job per shot. ``HolySheepClipSource`` is the platform; tests render previz clips
/// locally.
///
/// The producer calls ``submit(_:idempotencyKey:)`` once per key and saves the job id before calling
/// ``finish(jobID:shot:to:)``; a resumed run calls only `finish` for a shot that has a job id.
public protocol ClipSource: Sendable {
    /// Starts a job for `shot` and returns its id. The same key must return the same job, never start a second.
    func submit(_ shot: Shot, idempotencyKey: String) async throws -> String
    /// Waits for the job, then writes its clip to `file` in the previz codec profile (so that clips join by stream
    /// copy).
    /// - Throws: ``ClipJobFailure`` when the job ended without a video (a new job is needed); other errors are retried
    ///   with the same job.
    func finish(jobID: String, shot: Shot, to file: URL) async throws -> ClipResult
}

/// A finished clip: its length and what its job was charged.
public struct ClipResult: Sendable, Hashable {
    public var seconds: Double
    /// The job's cost in CNY (0 for sandbox keys).
    public var costCNY: Decimal

    public init(seconds: Double, costCNY: Decimal) {
        self.seconds = seconds
        self.costCNY = costCNY
    }
}

/// A job that ended failed or cancelled: retrying means submitting a new job.
public struct ClipJobFailure: Error, Sendable, CustomStringConvertible {
    public var jobID: String
    public var message: String

    public init(jobID: String, message: String) {
        self.jobID = jobID
        self.message = message
    }

    public var description: String { "job \(jobID) failed: \(message)" }
}

/// The platform asked to slow down (`429`) for longer than the client's own retries wait: the producer pauses every
/// submit for ``retryAfter`` and asks again, without counting a failure.
public struct ClipRateLimited: Error, Sendable, CustomStringConvertible {
    public var retryAfter: Duration

    public init(retryAfter: Duration) {
        self.retryAfter = retryAfter
    }

    public var description: String { "rate limited; retry after \(retryAfter)" }
}
