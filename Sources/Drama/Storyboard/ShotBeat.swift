/// A piece of a scene that can become a shot: an action paragraph, an exchange of dialogue, or several merged.
/// ``DeterministicBreakdown`` merges and splits beats until a scene has 4 to 8 of them.
struct ShotBeat: Sendable, Hashable {
    /// What is seen: action paragraphs, in order.
    var actions: [String]
    /// What is said.
    var lines: [Scene.DialogueLine]
    /// True for the establishing shot added to a short scene.
    var isEstablishing = false

    init(actions: [String] = [], lines: [Scene.DialogueLine] = [], isEstablishing: Bool = false) {
        self.actions = actions
        self.lines = lines
        self.isEstablishing = isEstablishing
    }

    /// A rough size, to merge the smallest neighbours first: words of action and dialogue.
    var weight: Int {
        (actions + lines.map(\.text)).map { $0.split(whereSeparator: \.isWhitespace).count }.reduce(0, +)
    }

    var isDialogueOnly: Bool { actions.isEmpty && !lines.isEmpty }

    /// This beat followed by `other`.
    func merged(with other: ShotBeat) -> ShotBeat {
        ShotBeat(actions: actions + other.actions, lines: lines + other.lines, isEstablishing: isEstablishing && other.isEstablishing)
    }

    /// Two beats with the content split near the middle, or nil when there is only one sentence or line.
    func split() -> (ShotBeat, ShotBeat)? {
        if lines.count >= 2 {
            let half = lines.count / 2
            return (ShotBeat(actions: actions, lines: Array(lines[..<half])), ShotBeat(lines: Array(lines[half...])))
        }
        if actions.count >= 2 {
            let half = actions.count / 2
            return (ShotBeat(actions: Array(actions[..<half])), ShotBeat(actions: Array(actions[half...]), lines: lines))
        }
        guard lines.isEmpty, let text = actions.first else { return nil }
        let sentences = Self.sentences(of: text)
        guard sentences.count >= 2 else { return nil }
        let half = sentences.count / 2
        return (
            ShotBeat(actions: [sentences[..<half].joined(separator: " ")]),
            ShotBeat(actions: [sentences[half...].joined(separator: " ")])
        )
    }

    /// Splits prose after `.`, `!`, `?` and `。！？` followed by a space or the end.
    static func sentences(of text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        var previousEnds = false
        for character in text {
            if previousEnds, character.isWhitespace || "。！？".contains(current.last ?? " ") {
                let trimmed = current.trimmingWhitespace
                if !trimmed.isEmpty { sentences.append(trimmed) }
                current = ""
            }
            current.append(character)
            previousEnds = ".!?。！？".contains(character)
        }
        let trimmed = current.trimmingWhitespace
        if !trimmed.isEmpty { sentences.append(trimmed) }
        return sentences
    }
}
