/// One subtitle: its number, when it shows and hides, and its text (one or more lines).
public struct SubtitleCue: Sendable, Hashable {
    /// The cue's number; in an ``SRTDocument`` the cues count up from 1.
    public var index: Int
    public var start: Duration
    public var end: Duration
    public var text: String

    public init(index: Int, start: Duration, end: Duration, text: String) {
        self.index = index
        self.start = start
        self.end = end
        self.text = text
    }
}
