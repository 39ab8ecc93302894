import Foundation
import Media

/// Assembles a produced episode in its folder: the clips in storyboard order joined by stream copy (every clip has
/// the previz codec profile), `episode.srt` from the dialogue timed to the shots, optionally the subtitles burned
/// in, and `contact-sheet.png`, one frame per shot.
///
/// ```swift
/// let result = try await Assembler(media: EpisodeAssembler(ffmpeg: .locate(.ffmpeg), ffprobe: .locate(.ffprobe)))
///     .assemble(folder, storyboard: storyboard)
/// print(result.episode.path)
/// ```
public struct Assembler: Sendable {
    public let media: EpisodeAssembler
    public var subtitles: SubtitleTimeline
    /// Contact sheet cells per row and cell width in pixels.
    public var contactSheetColumns = 8
    public var contactSheetCellWidth = 160

    public init(media: EpisodeAssembler, subtitles: SubtitleTimeline = SubtitleTimeline()) {
        self.media = media
        self.subtitles = subtitles
    }

    /// What assembly wrote.
    public struct Result: Sendable {
        public var episode: URL
        public var subtitles: URL
        public var contactSheet: URL
        /// The episode's length in seconds, as ffprobe reads it.
        public var duration: Double
    }

    /// - Parameter burnSubtitles: draw the subtitles into the picture (re-encodes the episode once).
    /// - Throws: ``DramaError`` naming the shots whose clips are missing; media errors from ffmpeg.
    public func assemble(_ folder: EpisodeFolder, storyboard: Storyboard, burnSubtitles: Bool = false) async throws -> Result {
        let clips = storyboard.shots.map { folder.clip($0.id) }
        let missing = zip(storyboard.shots, clips).filter { !FileManager.default.fileExists(atPath: $1.path) }.map(\.0.id)
        guard missing.isEmpty else {
            throw DramaError(
                "\(missing.count) shot(s) have no clip yet (\(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? ", …" : "")). "
                    + "Run `holysheep drama produce` again to finish them, or `drama regenerate DIR --shot ID` for a failed one.")
        }
        var durations: [Double] = []
        for clip in clips { durations.append(try await media.probe.info(for: clip).duration) }
        try subtitles.document(shots: storyboard.shots, durations: durations).write(to: folder.subtitles)
        if burnSubtitles {
            try await media.concatenate(clips: clips, to: folder.unsubtitledEpisode)
            try await media.burnSubtitles(video: folder.unsubtitledEpisode, srt: folder.subtitles, to: folder.episode)
        } else {
            try await media.concatenate(clips: clips, to: folder.episode)
        }
        try await media.contactSheet(
            clips: clips, labels: storyboard.shots.map(\.id), columns: min(contactSheetColumns, clips.count),
            cellWidth: contactSheetCellWidth, to: folder.contactSheet)
        let duration = try await media.probe.info(for: folder.episode).duration
        return Result(episode: folder.episode, subtitles: folder.subtitles, contactSheet: folder.contactSheet, duration: duration)
    }
}
