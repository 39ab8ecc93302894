import Foundation
import Testing
@testable import HolySheepKit

/// Decoding the platform's video job JSON (the shape `GET /v1/video/generations/{id}` answers).
@Suite struct VideoJobTests {
    static let queued = """
        {"id":"vgen_01","object":"video.generation","status":"queued","model":"video-gen-2.1",
         "prompt":"Rain on a neon street","duration":5,"resolution":"1080p","aspect_ratio":"9:16","progress":0,
         "created_at":1764000000,"started_at":null,"completed_at":null,
         "estimated_cost":"0.250000","cost":null,"currency":"CNY","usage":null,
         "video_url":"http://127.0.0.1:8080/v1/video/generations/vgen_01/content","error":null}
        """

    static func decode<T: Decodable>(_ text: String, as type: T.Type = VideoJob.self) throws -> T {
        try KitJSON.decoder.decode(T.self, from: Data(text.utf8))
    }

    @Test func queuedJob_decodesEveryField() throws {
        let job = try Self.decode(Self.queued)
        #expect(job.id == "vgen_01" && job.status == .queued && !job.status.isTerminal && job.model == "video-gen-2.1")
        #expect(job.prompt == "Rain on a neon street" && job.duration == 5 && job.resolution == "1080p" && job.aspectRatio == "9:16")
        #expect(job.progress == 0 && job.createdAt == Date(timeIntervalSince1970: 1_764_000_000) && job.startedAt == nil && job.completedAt == nil)
        #expect(job.estimatedCost == Money(micros: 250_000, .cny) && job.cost == nil && job.usage == nil && job.error == nil)
        #expect(job.videoURL?.absoluteString == "http://127.0.0.1:8080/v1/video/generations/vgen_01/content")
    }

    @Test func endedJobs_carryCostUsageOrError() throws {
        let completed = try Self.decode(
            Self.queued.replacingOccurrences(of: #""status":"queued""#, with: #""status":"completed""#)
                .replacingOccurrences(of: #""completed_at":null"#, with: #""completed_at":1764000042"#)
                .replacingOccurrences(of: #""cost":null"#, with: #""cost":"0.250000""#)
                .replacingOccurrences(of: #""usage":null"#, with: #""usage":{"seconds":5}"#))
        #expect(completed.status.isTerminal && completed.cost?.exactString == "0.25" && completed.usage?.seconds == 5)
        #expect(completed.completedAt == Date(timeIntervalSince1970: 1_764_000_042))
        let failed = try Self.decode(
            Self.queued.replacingOccurrences(of: #""status":"queued""#, with: #""status":"failed""#)
                .replacingOccurrences(of: #""error":null"#, with: #""error":{"code":"content_policy","message":"The prompt was refused."}"#))
        #expect(failed.status == .failed && failed.error == VideoJob.Failure(code: "content_policy", message: "The prompt was refused."))
        #expect(try Self.decode(Self.queued.replacingOccurrences(of: #""queued""#, with: #""paused""#)).status.rawValue == "paused")
    }

    @Test func listPage_decodes() throws {
        let page = try Self.decode(#"{"object":"list","data":[\#(Self.queued)],"has_more":true,"last_id":"vgen_01"}"#, as: VideoJobPage.self)
        #expect(page.data.map(\.id) == ["vgen_01"] && page.hasMore && page.lastID == "vgen_01")
    }

    @Test func request_encodesTheServersFieldNames() throws {
        let request = VideoRequest(
            model: "video-gen-2.1", prompt: "p", duration: 5, resolution: "720p", aspectRatio: "9:16", emotionTone: "tense", imageURL: "https://x/f.png",
            seed: 7, callbackURL: "https://example.com/hook")
        #expect(try JSON(parsing: Array(KitJSON.encoder.encode(request))) == [
            "model": "video-gen-2.1", "prompt": "p", "duration": 5, "resolution": "720p", "aspect_ratio": "9:16", "emotion_tone": "tense",
            "image_url": "https://x/f.png", "seed": 7, "callback_url": "https://example.com/hook",
        ])
        #expect(HolySheepClient.jobPath("vgen_a/../b") == "/video/generations/vgen_a%2F..%2Fb")
    }
}
