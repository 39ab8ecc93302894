/// How long a shot must last: timing is decided here, in code, never left to a chat model.
///
/// **The rule.** A shot lasts at least long enough for its dialogue to be read aloud:
/// - Latin-script text (English, pinyin, …) is read at **2.5 words per second**;
/// - CJK text (Chinese characters, kana, hangul) at **4.5 characters per second**;
/// - plus **2 seconds** of breathing room for the shot, and never less than **5 seconds**;
/// - then rounded **up** to the nearest duration the video model accepts (by default every whole second from
///   5 to 30, what the HolySheep video API takes). A shot needing more than the longest accepted duration gets
///   the longest.
///
/// ```swift
/// let timing = ShotTiming()
/// timing.duration(for: ["Where is my granddaughter?"])   // 4 words → 1.6 s + 2 s → 5 s (the minimum)
/// timing.duration(for: ["你终于回来了，奶奶一直在等你。"])      // 14 characters → 3.1 s + 2 s → 6 s
/// ```
public struct ShotTiming: Sendable, Hashable {
    /// Latin-script words read per second.
    public var wordsPerSecond: Double = 2.5
    /// CJK characters read per second.
    public var cjkCharactersPerSecond: Double = 4.5
    /// Added to the reading time of every shot.
    public var padding: Double = 2
    /// No shot is shorter.
    public var minimum: Double = 5
    /// The whole-second durations the video model accepts, ascending.
    public var acceptedDurations: [Int]

    /// - Parameter acceptedDurations: what the video model takes; default 5…30 s.
    public init(acceptedDurations: [Int] = Array(5...30)) {
        let sorted = Array(Set(acceptedDurations.filter { $0 > 0 })).sorted()
        self.acceptedDurations = sorted.isEmpty ? [5] : sorted
    }

    /// Seconds it takes to read `text`: its CJK characters ÷ 4.5 plus its other words ÷ 2.5.
    public func readingSeconds(_ text: String) -> Double {
        var cjk = 0
        var latin = ""
        for character in text {
            if character.unicodeScalars.contains(where: Self.isCJK) {
                cjk += 1
                latin.append(" ")
            } else {
                latin.append(character)
            }
        }
        let words = latin.split { $0.isWhitespace || $0 == "—" || $0 == "…" }
            .filter { $0.contains { $0.isLetter || $0.isNumber } }.count
        return Double(cjk) / cjkCharactersPerSecond + Double(words) / wordsPerSecond
    }

    /// The seconds a shot needs before rounding: reading time of all its lines + padding, at least the minimum.
    public func requiredSeconds(for lines: [String]) -> Double {
        max(minimum, lines.map(readingSeconds).reduce(0, +) + padding)
    }

    /// The shortest accepted duration that is at least ``requiredSeconds(for:)`` (or the longest accepted one).
    public func duration(for lines: [String]) -> Int {
        accepted(atLeast: requiredSeconds(for: lines))
    }

    /// The shot's duration: its own (a chat model's suggestion, say) unless its dialogue needs longer, rounded up to
    /// an accepted duration.
    public func duration(for shot: Shot) -> Int {
        accepted(atLeast: max(Double(shot.durationSeconds), requiredSeconds(for: shot.dialogue.map(\.text))))
    }

    /// The shortest accepted duration ≥ `seconds`, or the longest accepted one.
    public func accepted(atLeast seconds: Double) -> Int {
        acceptedDurations.first { Double($0) >= seconds - 1e-9 } ?? acceptedDurations[acceptedDurations.count - 1]
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FA1F: true
        default: false
        }
    }
}
