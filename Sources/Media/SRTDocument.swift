import Foundation

/// A validated SubRip (`.srt`) subtitle file.
///
/// ```swift
/// let srt = try SRTDocument(cues: [
///     SubtitleCue(index: 1, start: .zero, end: .milliseconds(2500), text: "你终于来了。"),
///     SubtitleCue(index: 2, start: .seconds(3), end: .seconds(5), text: "I never left."),
/// ])
/// try srt.write(to: URL(fileURLWithPath: "episode.srt"))
/// ```
///
/// Each cue is written as its index, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, its text lines, and a blank line. Blank lines
/// inside a cue's text are dropped, because a blank line ends a cue in SRT.
public struct SRTDocument: Sendable, Hashable, CustomStringConvertible {
    public let cues: [SubtitleCue]

    /// Checks the cues: indices count up from 1, times are non-negative and below 100 hours, every cue ends after
    /// it starts, cues start in order (overlaps are allowed), and every cue has text.
    /// - Throws: ``MediaError/Kind/invalidArgument`` naming the cue and the rule it breaks.
    public init(cues: [SubtitleCue]) throws {
        for (position, cue) in cues.enumerated() {
            func fail(_ problem: String) -> MediaError {
                MediaError(.invalidArgument, "Subtitle cue \(cue.index) (number \(position + 1) in the list) \(problem).")
            }
            let (start, end) = (Self.timestamp(cue.start), Self.timestamp(cue.end))
            guard cue.index == position + 1 else {
                throw fail("has index \(cue.index); indices must count up from 1 without gaps, so it should be \(position + 1)")
            }
            guard cue.start >= .zero, cue.end < .seconds(100 * 3600) else {
                throw fail("is timed \(start) --> \(end); times must lie between 0 and 99:59:59,999")
            }
            guard cue.end > cue.start else {
                throw fail("ends at \(end), not after its start \(start); make it last at least 1 ms")
            }
            if position > 0, cue.start < cues[position - 1].start {
                let previous = Self.timestamp(cues[position - 1].start)
                throw fail("starts at \(start), before the cue ahead of it (\(previous)); sort cues by start time")
            }
            guard !Self.lines(of: cue.text).isEmpty else { throw fail("has no text; drop it or give it a line") }
        }
        self.cues = cues
    }

    /// The SRT text, lines ending in `\n`.
    public var text: String {
        cues.map { cue in
            "\(cue.index)\n\(Self.timestamp(cue.start)) --> \(Self.timestamp(cue.end))\n"
                + Self.lines(of: cue.text).joined(separator: "\n") + "\n\n"
        }.joined()
    }

    public var description: String { text }

    /// Writes the SRT text as UTF-8.
    public func write(to file: URL) throws {
        try Data(text.utf8).write(to: file, options: .atomic)
    }

    /// `HH:MM:SS,mmm`, rounded to the millisecond.
    static func timestamp(_ time: Duration) -> String {
        let (seconds, attoseconds) = time.components
        let total = max(0, seconds * 1000 + Int64((Double(attoseconds) / 1e15).rounded()))
        let (hours, minutes, secs) = (total / 3_600_000, total / 60_000 % 60, total / 1000 % 60)
        return String(format: "%02lld:%02lld:%02lld,%03lld", hours, minutes, secs, total % 1000)
    }

    private static func lines(of text: String) -> [Substring] {
        text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
    }
}
