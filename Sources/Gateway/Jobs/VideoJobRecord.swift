import Foundation

/// What a caller asked for, validated: stored as JSON in the job's `request` column.
public struct VideoJobSpec: Codable, Sendable, Equatable {
    public var prompt: String
    public var duration: Int
    public var resolution: String
    public var aspectRatio: String
    public var style: String?
    public var emotionTone: String?
    public var imageURL: String?
    public var seed: Int?

    enum CodingKeys: String, CodingKey {
        case prompt, duration, resolution, style, seed
        case aspectRatio = "aspect_ratio"
        case emotionTone = "emotion_tone"
        case imageURL = "image_url"
    }

    public init(
        prompt: String, duration: Int, resolution: String, aspectRatio: String = "9:16", style: String? = nil, emotionTone: String? = nil,
        imageURL: String? = nil, seed: Int? = nil
    ) {
        self.prompt = prompt
        self.duration = duration
        self.resolution = resolution
        self.aspectRatio = aspectRatio
        self.style = style
        self.emotionTone = emotionTone
        self.imageURL = imageURL
        self.seed = seed
    }
}

/// One `video_jobs` row. Timestamps are Unix milliseconds (as in every table); money is CNY micro-yuan.
public struct VideoJobRecord: Codable, Sendable, Equatable {
    public var id: String
    public var key_id: String
    public var model: String
    public var status: String
    /// The ``VideoJobSpec`` as JSON.
    public var request: String
    public var progress: Int
    /// What was held at submit (0 for sandbox keys).
    public var estimated_micros: Int64
    /// What was charged; nil until the job ends.
    public var cost_micros: Int64?
    /// Seconds asked for.
    public var seconds: Int
    /// Seconds delivered (ffprobe, rounded); nil until completed.
    public var delivered_seconds: Int?
    public var resolution: String
    public var aspect_ratio: String
    public var error_code: String?
    public var error_message: String?
    public var idempotency_key: String?
    /// `idempotency_key`, or the job id when there is none: unique per key without blocking key-less jobs.
    public var dedupe_idempotency: String
    public var callback_url: String?
    /// The deployment label the job runs on (`local`, `previz` for sandbox keys, `seedance/…`).
    public var deployment: String
    /// That deployment's provider kind (`previz`, `seedance`, …).
    public var provider_kind: String
    public var provider_task_id: String?
    /// Claims so far (a reclaimed job counts again).
    public var attempts: Int
    public var lease_owner: String?
    public var lease_until: Int64?
    public var created_at: Int64
    public var started_at: Int64?
    public var completed_at: Int64?
    public var artifact_path: String?
    public var sandbox: Bool

    public var lifecycleStatus: JobLifecycle.Status { JobLifecycle.Status(rawValue: status) ?? .failed }

    public var spec: VideoJobSpec? { try? JSONDecoder().decode(VideoJobSpec.self, from: Data(request.utf8)) }

    static func newID() -> String {
        "vgen_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
    }
}
