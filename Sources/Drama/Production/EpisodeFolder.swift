import Foundation

/// The files of one episode, all in one folder:
///
/// | File | What |
/// |---|---|
/// | `storyboard.json` | the shot list (``Storyboard``) |
/// | `characters.json` | the character sheets (``Cast``), editable |
/// | `state.json` | every shot's production state (``EpisodeState``), saved atomically after each change |
/// | `clips/s01-03.mp4` | one clip per shot |
/// | `episode.mp4`, `episode.srt`, `contact-sheet.png` | the assembled episode |
/// | `report.md`, `report.json` | the production report |
public struct EpisodeFolder: Sendable, Hashable {
    public let url: URL

    public init(_ url: URL) {
        self.url = url.standardizedFileURL
    }

    public var storyboard: URL { file("storyboard.json") }
    public var characters: URL { file("characters.json") }
    public var state: URL { file("state.json") }
    public var clips: URL { file("clips") }
    public var episode: URL { file("episode.mp4") }
    /// The episode before subtitles are burned in (only when they are).
    public var unsubtitledEpisode: URL { file("episode-clean.mp4") }
    public var subtitles: URL { file("episode.srt") }
    public var contactSheet: URL { file("contact-sheet.png") }
    public var reportMarkdown: URL { file("report.md") }
    public var reportJSON: URL { file("report.json") }

    /// `clips/ID.mp4`.
    public func clip(_ shotID: String) -> URL { clips.appendingPathComponent("\(shotID).mp4") }

    /// Creates the folder and `clips/`.
    public func create() throws {
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
    }

    public func loadStoryboard() throws -> Storyboard { try AtomicFile.read(Storyboard.self, from: storyboard) }
    public func save(_ board: Storyboard) throws { try AtomicFile.write(board, to: storyboard) }
    public func loadCast() throws -> Cast { try Cast.load(from: characters) }
    public func loadState() throws -> EpisodeState { try AtomicFile.read(EpisodeState.self, from: state) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}
