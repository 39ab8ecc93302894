/// Guesses a shot's emotion tone from its words, in the vocabulary ``Media/PrevizTone`` grades by.
enum EmotionTone {
    /// Words that suggest each tone; the tone with the most hits wins, ties in this order.
    static let vocabulary: [(tone: String, words: [String])] = [
        ("tense", ["cancel", "storm", "shout", "slam", "afraid", "fear", "panic", "terminat", "argue", "alarm", "stuck", "dark", "red:"]),
        ("sad", ["tear", "cry", "cries", "alone", "collapse", "sigh", "empty", "miss", "lonely", "sorry", "quiet"]),
        ("warm", ["laugh", "smile", "hug", "firecracker", "dumpling", "饺子", "festival", "lucky", "cheer", "joy", "home", "family", "warm", "gift"]),
        ("romantic", ["kiss", "love", "tender", "heart"]),
    ]

    /// The best-matching tone, or nil when no word matches.
    static func guess(_ text: String) -> String? {
        let lowered = text.lowercased()
        var best: (tone: String, hits: Int)?
        for (tone, words) in vocabulary {
            let hits = words.filter { lowered.contains($0) }.count
            if hits > 0, hits > (best?.hits ?? 0) { best = (tone, hits) }
        }
        return best?.tone
    }
}
