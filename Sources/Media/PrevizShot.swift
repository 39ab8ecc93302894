import Foundation

/// What a previz clip shows: the shot's text, its camera note and style, a background graded by its emotional
/// tone, for a whole number of seconds in one ``VideoFormat``.
public struct PrevizShot: Sendable, Hashable {
    /// The prompt or shot description, drawn large in the middle of the frame.
    public var text: String
    /// Framing and movement, e.g. "slow push in, 35mm", drawn as a caption.
    public var cameraNote: String?
    /// The visual style, e.g. "neo-noir", drawn in the caption after the camera note.
    public var style: String?
    /// The emotional tone that picks the background grade; see ``PrevizTone``.
    public var emotionTone: String?
    /// Length in seconds (at least 1): the clip has exactly `durationSeconds × 24` frames.
    public var durationSeconds: Int
    public var format: VideoFormat
    /// Picks the camera move; the same seed moves the same way. Without one the move follows from the text.
    public var seed: Int?
    /// A heading at the top of the frame, e.g. "EP 3 · SHOT 12".
    public var title: String?

    public init(
        text: String, cameraNote: String? = nil, style: String? = nil, emotionTone: String? = nil,
        durationSeconds: Int = 5, format: VideoFormat = VideoFormat(resolution: .p1080), seed: Int? = nil,
        title: String? = nil
    ) {
        self.text = text
        self.cameraNote = cameraNote
        self.style = style
        self.emotionTone = emotionTone
        self.durationSeconds = durationSeconds
        self.format = format
        self.seed = seed
        self.title = title
    }

    /// The background grade.
    public var tone: PrevizTone { PrevizTone(emotionTone: emotionTone) }

    /// The caption line: the camera note and the style.
    var caption: String {
        let parts = [cameraNote, style].map { $0?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        return zip(["", "style: "], parts).filter { !$0.1.isEmpty }.map { $0.0 + $0.1 }.joined(separator: "  ·  ")
    }

    var motion: PrevizMotion {
        PrevizMotion(seed: seed.map { UInt64(bitPattern: Int64($0)) } ?? PrevizMotion.seed(for: text))
    }
}
