import Foundation
import Media

/// Clips rendered on this machine by ``Media/PrevizRenderer`` instead of a platform: the shot's description and lines over a
/// background graded by its tone, in the codec profile assembly expects. No API, no cost; the job id is the key.
/// Useful offline, for benchmarks, and as the reference of what a sandbox key gets.
public struct LocalPrevizClipSource: ClipSource {
    public let renderer: PrevizRenderer
    public let format: VideoFormat

    public init(renderer: PrevizRenderer, format: VideoFormat) {
        self.renderer = renderer
        self.format = format
    }

    public func submit(_ shot: Shot, idempotencyKey: String) async throws -> String {
        "local-\(idempotencyKey)"
    }

    public func finish(jobID: String, shot: Shot, to file: URL) async throws -> ClipResult {
        let lines = shot.dialogue.map { "\($0.speaker.capitalized): \($0.text)" }
        let previz = PrevizShot(
            text: ([shot.description] + lines).joined(separator: "\n"), cameraNote: shot.cameraNote, emotionTone: shot.emotionTone, durationSeconds: shot.durationSeconds,
            format: format, title: shot.id)
        try await renderer.render(previz, to: file)
        return ClipResult(seconds: Double(shot.durationSeconds), costCNY: 0)
    }
}
