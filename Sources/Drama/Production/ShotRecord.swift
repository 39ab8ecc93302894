import Foundation

/// One shot's production record in `state.json`.
public struct ShotRecord: Sendable, Hashable, Codable {
    public var shotID: String
    public var status: ShotStatus
    /// How many times the shot was regenerated on request (0 for the first clip).
    public var regenerations: Int
    /// Jobs of this generation that ended without a video; each retry is a new job with a new key.
    public var failedJobs: Int
    /// When the current job was submitted.
    public var submittedAt: Date?
    /// Seconds from submit to clip on disk, for the current clip.
    public var latencySeconds: Double?
    /// Everything this shot's jobs were charged, regenerations included, in CNY.
    public var spentCNY: Decimal
    /// Jobs completed for this shot, regenerations included.
    public var generations: Int
    /// The last job whose cost was added to ``spentCNY``, so a clip downloaded again is not counted twice.
    public var chargedJobID: String?

    public init(shotID: String) {
        self.shotID = shotID
        self.status = .pending
        self.regenerations = 0
        self.failedJobs = 0
        self.spentCNY = 0
        self.generations = 0
    }

    /// The `Idempotency-Key` of this shot's next submit: derived from the episode, the shot, the regeneration count
    /// and the failed-job count only, so a run that crashed between submitting and saving sends the same key again
    /// and the platform answers with the job it already has instead of charging for a second one.
    public func idempotencyKey(episodeID: String) -> String {
        "drama-\(episodeID)-\(shotID)-r\(regenerations)" + (failedJobs > 0 ? "-f\(failedJobs)" : "")
    }

    enum CodingKeys: String, CodingKey {
        case shotID = "shot_id", status, regenerations, failedJobs = "failed_jobs", submittedAt = "submitted_at"
        case latencySeconds = "latency_seconds", spentCNY = "spent_cny", generations, chargedJobID = "charged_job_id"
    }
}
