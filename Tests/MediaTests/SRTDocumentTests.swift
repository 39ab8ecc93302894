import Foundation
import Testing

@testable import Media

@Suite struct SRTDocumentTests {
    @Test("Cues are written as index, HH:MM:SS,mmm times, text and a blank line")
    func formatting() throws {
        let srt = try SRTDocument(cues: [
            SubtitleCue(index: 1, start: .zero, end: .milliseconds(2500), text: "你终于来了。"),
            SubtitleCue(
                index: 2, start: .seconds(3723) + .milliseconds(4), end: .seconds(3725), text: "I never left.\n\nNever."),
        ])
        #expect(srt.text == """
            1
            00:00:00,000 --> 00:00:02,500
            你终于来了。

            2
            01:02:03,004 --> 01:02:05,000
            I never left.
            Never.


            """)
    }

    @Test("Times round to the nearest millisecond")
    func rounding() {
        #expect(SRTDocument.timestamp(.microseconds(1_999_600)) == "00:00:02,000")
        #expect(SRTDocument.timestamp(.seconds(359_999) + .milliseconds(999)) == "99:59:59,999")
    }

    @Test("Invalid cues are refused with the rule they break", arguments: [
        ([SubtitleCue(index: 2, start: .zero, end: .seconds(1), text: "a")], "indices must count up from 1"),
        ([SubtitleCue(index: 1, start: .seconds(2), end: .seconds(2), text: "a")], "not after its start"),
        ([SubtitleCue(index: 1, start: .seconds(-1), end: .seconds(2), text: "a")], "times must lie between"),
        ([SubtitleCue(index: 1, start: .seconds(5), end: .seconds(6), text: "a"),
          SubtitleCue(index: 2, start: .seconds(4), end: .seconds(7), text: "b")], "sort cues by start time"),
        ([SubtitleCue(index: 1, start: .zero, end: .seconds(1), text: " \n ")], "has no text"),
    ])
    func validation(cues: [SubtitleCue], rule: String) {
        let error = #expect(throws: MediaError.self) { try SRTDocument(cues: cues) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains(rule) == true, "\(error?.message ?? "")")
    }

    @Test("Overlapping cues in start order are allowed")
    func overlapsAllowed() throws {
        _ = try SRTDocument(cues: [
            SubtitleCue(index: 1, start: .zero, end: .seconds(3), text: "a"),
            SubtitleCue(index: 2, start: .seconds(1), end: .seconds(2), text: "b"),
        ])
    }
}
