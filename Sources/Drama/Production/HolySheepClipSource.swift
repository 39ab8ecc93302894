import Foundation
import HolySheepKit
import Media

/// Clips from the HolySheep platform's video API: submit (with the shot's idempotency key) → wait → download →
/// conform to the previz codec profile when the probe shows another encoding or size.
public struct HolySheepClipSource: ClipSource {
    public let client: HolySheepClient
    public let model: String
    public let format: VideoFormat
    public let assembler: EpisodeAssembler
    public var pollInterval: Duration = .seconds(2)
    public var timeout: Duration = .seconds(1800)

    public init(client: HolySheepClient, model: String, format: VideoFormat, assembler: EpisodeAssembler) {
        self.client = client
        self.model = model
        self.format = format
        self.assembler = assembler
    }

    public func submit(_ shot: Shot, idempotencyKey: String) async throws -> String {
        let request = VideoRequest(
            model: model, prompt: shot.prompt.isEmpty ? shot.description : shot.prompt, duration: shot.durationSeconds,
            resolution: format.resolution.rawValue, aspectRatio: format.aspectRatio.rawValue, emotionTone: shot.emotionTone)
        do {
            return try await client.submitVideo(request, idempotencyKey: idempotencyKey).id
        } catch let error as HolySheepError where error.status == 429 {
            throw ClipRateLimited(retryAfter: error.retryAfter ?? .seconds(1))
        }
    }

    public func finish(jobID: String, shot: Shot, to file: URL) async throws -> ClipResult {
        let job: VideoJob
        do {
            job = try await client.waitForVideo(id: jobID, pollInterval: pollInterval, timeout: timeout)
        } catch let error as HolySheepError where error.kind == .videoFailed || error.kind == .videoCancelled {
            throw ClipJobFailure(jobID: jobID, message: error.message)
        } catch let error as HolySheepError where error.status == 429 {
            throw ClipRateLimited(retryAfter: error.retryAfter ?? .seconds(1))
        }
        let download = file.deletingLastPathComponent().appendingPathComponent(".\(shot.id).download.mp4")
        try await client.downloadVideo(id: jobID, to: download)
        defer { try? FileManager.default.removeItem(at: download) }
        let info = try await assembler.probe.info(for: download)
        let profile = PrevizRenderer.codecProfile
        let level = Int(profile.level.filter(\.isNumber))
        if info.videoCodec == profile.videoCodec, info.videoProfile == profile.probedProfile, info.videoLevel == level,
            info.pixelFormat == profile.pixelFormat, info.width == format.width, info.height == format.height,
            abs(info.frameRate - Double(profile.frameRate)) < 0.01, info.audioCodec == profile.audioCodec,
            info.audioSampleRate == profile.audioSampleRate, info.audioChannels == profile.audioChannels
        {
            try? FileManager.default.removeItem(at: file)
            try FileManager.default.moveItem(at: download, to: file)
        } else {
            try await assembler.conform(download, to: format, output: file)
        }
        let seconds = job.usage?.seconds ?? info.duration
        return ClipResult(seconds: seconds, costCNY: job.cost?.decimal ?? 0)
    }
}
