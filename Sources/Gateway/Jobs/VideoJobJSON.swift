import Foundation
import Media

/// The wire shapes of a job: the guide's `video.generation` and OpenAI's `video`.
enum VideoJobJSON {
    /// `{"id":"vgen_…","object":"video.generation","status":…,"video_url":"…/content",…}`; times in Unix seconds,
    /// money as CNY decimal strings with six places.
    static func guide(_ job: VideoJobRecord, baseURL: String) -> Data {
        serialize(guideObject(job, baseURL: baseURL))
    }

    static func guideObject(_ job: VideoJobRecord, baseURL: String) -> [String: Any] {
        let spec = job.spec
        var error: Any = NSNull()
        if let code = job.error_code {
            error = ["code": code, "message": job.error_message ?? ""]
        }
        return [
            "id": job.id,
            "object": "video.generation",
            "status": job.status,
            "model": job.model,
            "prompt": spec?.prompt ?? "",
            "duration": job.seconds,
            "resolution": job.resolution,
            "aspect_ratio": job.aspect_ratio,
            "progress": job.progress,
            "created_at": seconds(job.created_at),
            "started_at": job.started_at.map(seconds) ?? NSNull(),
            "completed_at": job.completed_at.map(seconds) ?? NSNull(),
            "estimated_cost": decimal(job.estimated_micros),
            "cost": job.cost_micros.map(decimal) ?? NSNull(),
            "currency": "CNY",
            "usage": job.delivered_seconds.map { ["seconds": $0] as [String: Any] } ?? NSNull(),
            "video_url": "\(baseURL)/v1/video/generations/\(job.id)/content",
            "error": error,
        ]
    }

    /// OpenAI's `video` object: `queued`, `in_progress`, `completed` or `failed` (a cancelled job reads as failed
    /// with code `cancelled`), `seconds` as a string and `size` as `WIDTHxHEIGHT`.
    static func openAIObject(_ job: VideoJobRecord) -> [String: Any] {
        let status: String
        var error: Any = NSNull()
        switch job.lifecycleStatus {
        case .queued: status = "queued"
        case .processing: status = "in_progress"
        case .completed: status = "completed"
        case .failed:
            status = "failed"
            error = ["code": job.error_code ?? "failed", "message": job.error_message ?? "The video could not be generated."]
        case .cancelled:
            status = "failed"
            error = ["code": "cancelled", "message": "The video was cancelled before it completed."]
        }
        return [
            "id": job.id,
            "object": "video",
            "model": job.model,
            "status": status,
            "progress": job.progress,
            "created_at": seconds(job.created_at),
            "completed_at": job.completed_at.map(seconds) ?? NSNull(),
            "expires_at": NSNull(),
            "prompt": job.spec?.prompt ?? NSNull(),
            "remixed_from_video_id": NSNull(),
            "seconds": String(job.seconds),
            "size": size(job),
            "error": error,
        ]
    }

    static func size(_ job: VideoJobRecord) -> String {
        if let format = try? VideoFormat(resolution: job.resolution, aspectRatio: job.aspect_ratio) {
            return "\(format.width)x\(format.height)"
        }
        return job.resolution
    }

    static func serialize(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func seconds(_ milliseconds: Int64) -> Int64 { milliseconds / 1000 }

    /// Micro-yuan as `0.250000`.
    static func decimal(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let fraction = String(magnitude % 1_000_000)
        let padded = String(repeating: "0", count: 6 - fraction.count) + fraction
        return sign + String(magnitude / 1_000_000) + "." + padded
    }
}
