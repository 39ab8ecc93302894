import Testing
@testable import Drama

/// The reading-time rule: Latin words ÷ 2.5/s, CJK characters ÷ 4.5/s, + 2 s, at least 5 s, rounded up to an accepted
/// duration.
@Suite struct ShotTimingTests {
    @Test("English lines: words ÷ 2.5 per second + 2 s, at least 5 s", arguments: [
        ("Where is my granddaughter?", 5),  // 4 words: 1.6 + 2 = 3.6 → 5
        ("Ma, work exploded. The client wants everything before the holiday. I can't come this year.", 8),  // 15: 6 + 2 = 8
        ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen", 9),  // 16: 6.4 + 2 → 9
    ])
    func english(line: String, seconds: Int) {
        #expect(ShotTiming().duration(for: [line]) == seconds)
    }

    @Test("Chinese lines: characters ÷ 4.5 per second + 2 s", arguments: [
        ("你好", 5),  // 2: 0.44 + 2 → 5
        ("你终于回来了奶奶一直在等你", 5),  // 13: 2.89 + 2 = 4.89 → 5
        ("你终于回来了，奶奶一直在窗边等你，从中午一直等到现在。", 8),  // 24 (punctuation not counted): 5.33 + 2 → 8
        (String(repeating: "等", count: 45), 12),  // 45: 10 + 2 = 12
    ])
    func chinese(line: String, seconds: Int) {
        #expect(ShotTiming().duration(for: [line]) == seconds)
    }

    @Test("mixed text counts CJK characters and Latin words separately")
    func mixed() {
        // "Not even for" = 3 words (1.2 s) + 除夕 = 2 characters (0.44 s)
        #expect(abs(ShotTiming().readingSeconds("Not even for 除夕?") - (1.2 + 2 / 4.5)) < 1e-9)
    }

    @Test("lines of one shot add up; the result is rounded up to an accepted duration")
    func roundsUpToAcceptedDurations() {
        let timing = ShotTiming(acceptedDurations: [5, 10])
        let words = Array(repeating: "word", count: 12).joined(separator: " ")  // 4.8 + 2 = 6.8
        #expect(timing.duration(for: [words]) == 10)
        #expect(timing.duration(for: [words, words, words, words, words]) == 10)  // 26 s: capped at the longest
        #expect(ShotTiming().duration(for: Array(repeating: words, count: 4)) == 22)  // 19.2 + 2 = 21.2 → 22
    }

    @Test("a model's longer suggestion stands; a shorter one is lengthened")
    func shotDuration() {
        var shot = Shot(id: "s01-01", sceneNumber: 1, description: "x", cameraNote: "y", dialogue: [.init(speaker: "A", text: Array(repeating: "word", count: 20).joined(separator: " "))], durationSeconds: 5)
        #expect(ShotTiming().duration(for: shot) == 10)  // 8 + 2
        shot.durationSeconds = 14
        #expect(ShotTiming().duration(for: shot) == 14)
    }
}
