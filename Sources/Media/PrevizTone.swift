import Foundation

/// The colour grade of a previz clip's background, chosen from the shot's `emotion_tone`.
///
/// | Tone | Words that select it | Grade (top → middle → bottom) |
/// |---|---|---|
/// | `warm` | warm, joyful, joy, happy, cheerful, hopeful, triumphant | dark amber → golden → deep red |
/// | `tense` | tense, suspense, suspenseful, thriller, fear, anxious, ominous, dark | near-black → cold teal → deep teal |
/// | `sad` | sad, melancholy, melancholic, grief, lonely, somber, sombre | slate → desaturated blue → slate |
/// | `romantic` | romantic, romance, love, tender, intimate, sweet | plum → pink → rose |
/// | `neutral` | neutral, and anything else | charcoal → grey → charcoal |
///
/// Matching ignores case and surrounding spaces. An unknown or missing tone falls back to `neutral`, so any
/// free-text tone renders.
public enum PrevizTone: String, Sendable, CaseIterable {
    case warm, tense, sad, romantic, neutral

    /// The tone for an `emotion_tone` value; `neutral` when it is missing or unknown.
    public init(emotionTone: String?) {
        let word = emotionTone?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() ?? ""
        self = Self.allCases.first { $0.words.contains(word) } ?? .neutral
    }

    private var words: Set<String> {
        switch self {
        case .warm: ["warm", "joyful", "joy", "happy", "cheerful", "hopeful", "triumphant"]
        case .tense: ["tense", "suspense", "suspenseful", "thriller", "fear", "anxious", "ominous", "dark"]
        case .sad: ["sad", "melancholy", "melancholic", "grief", "lonely", "somber", "sombre"]
        case .romantic: ["romantic", "romance", "love", "tender", "intimate", "sweet"]
        case .neutral: ["neutral"]
        }
    }

    /// The vertical gradient's three stops as `0xRRGGBB`, top to bottom.
    public var gradient: [UInt32] {
        switch self {
        case .warm: [0x3B_1A08, 0xD9_902F, 0x8A_2A12]
        case .tense: [0x03_1417, 0x1C_7479, 0x06_2A30]
        case .sad: [0x1C_232B, 0x5A_6B7D, 0x26_2E38]
        case .romantic: [0x3A_1226, 0xE0_8AB0, 0x7A_2E55]
        case .neutral: [0x1E_1E22, 0x6E_6E73, 0x2A_2A2E]
        }
    }
}
