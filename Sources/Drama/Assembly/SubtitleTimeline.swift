import Media

/// Times an episode's dialogue to its shots: each shot's lines share the shot's time range, each line getting a
/// slice proportional to its reading time (``ShotTiming/readingSeconds(_:)``), cue after cue.
///
/// ```swift
/// let srt = try SubtitleTimeline().document(shots: storyboard.shots, durations: [5, 6, 5])
/// ```
public struct SubtitleTimeline: Sendable {
    public var timing: ShotTiming
    /// Space left between consecutive cues, so one never touches the next.
    public var gap: Duration = .milliseconds(80)

    public init(timing: ShotTiming = ShotTiming()) {
        self.timing = timing
    }

    /// The cues of `shots`, shot `i` lasting `durations[i]` seconds (the storyboard's durations when nil).
    /// - Throws: ``Media/MediaError`` when a cue would be invalid (it cannot be for positive durations).
    public func document(shots: [Shot], durations: [Double]? = nil) throws -> SRTDocument {
        var cues: [SubtitleCue] = []
        var shotStart = 0.0
        for (index, shot) in shots.enumerated() {
            let length = durations?[index] ?? Double(shot.durationSeconds)
            let weights = shot.dialogue.map { max(0.5, timing.readingSeconds($0.text)) }
            let total = weights.reduce(0, +)
            var offset = 0.0
            for (line, weight) in zip(shot.dialogue, weights) {
                let slice = length * weight / total
                let start = Duration.milliseconds(Int64(((shotStart + offset) * 1000).rounded()))
                var end = Duration.milliseconds(Int64(((shotStart + offset + slice) * 1000).rounded())) - gap
                if end <= start { end = start + .milliseconds(1) }
                cues.append(SubtitleCue(index: cues.count + 1, start: start, end: end, text: "\(line.speaker.capitalized): \(line.text)"))
                offset += slice
            }
            shotStart += length
        }
        return try SRTDocument(cues: cues)
    }
}
