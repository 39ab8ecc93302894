/// The elements from one scene heading up to the next, with the views the shot breakdown needs: who speaks, what
/// they say, and the action beats.
///
/// Content written before a script's first heading forms an opening scene without a heading.
public struct Scene: Sendable, Hashable, Codable {
    /// One spoken line: a dialogue element (or a lyric sung under a cue) with the cue and parenthetical that govern
    /// it.
    public struct DialogueLine: Sendable, Hashable, Codable {
        /// The character's name as cued, without extensions: `GRANDPA LIN`.
        public var speaker: String
        /// The cue's extensions: `["V.O."]`.
        public var extensions: [String]
        /// The parenthetical right before the line, without parentheses: `whispering`.
        public var parenthetical: String?
        public var text: String
        /// The 1-based source line of the dialogue.
        public var line: Int
        public var isDualDialogue: Bool
    }

    /// The 1-based position of the scene in the screenplay.
    public var number: Int
    /// The scene's elements, starting with its heading if it has one.
    public var elements: [ScreenplayElement]

    public init(number: Int, elements: [ScreenplayElement]) {
        self.number = number
        self.elements = elements
    }

    /// The scene heading, or nil for the opening scene of a script that starts without one.
    public var heading: ScreenplayElement? {
        elements.first.flatMap { $0.kind == .sceneHeading ? $0 : nil }
    }

    /// The source line the scene starts on.
    public var line: Int { elements.first?.line ?? 0 }

    /// The characters who speak in the scene, in order of their first line.
    public var characters: [String] {
        var seen = Set<String>()
        return dialogue.map(\.speaker).filter { seen.insert($0).inserted }
    }

    /// Every spoken line, in order, including lyrics sung under a cue.
    public var dialogue: [DialogueLine] {
        var lines: [DialogueLine] = []
        var cue: ScreenplayElement?
        var parenthetical: String?
        for element in elements {
            switch element.kind {
            case .character:
                cue = element
                parenthetical = nil
            case .parenthetical:
                parenthetical = String(element.text.dropFirst().dropLast()).trimmingWhitespace
            case .dialogue, .lyric:
                guard let cue else { continue }
                lines.append(DialogueLine(
                    speaker: cue.text, extensions: cue.characterExtensions, parenthetical: parenthetical,
                    text: element.text, line: element.line, isDualDialogue: element.isDualDialogue))
                parenthetical = nil
            case .note:
                continue
            default:
                cue = nil
                parenthetical = nil
            }
        }
        return lines
    }

    /// The action paragraphs: what the camera sees between the lines.
    public var actionBeats: [ScreenplayElement] {
        elements.filter { $0.kind == .action }
    }

    /// Splits elements into scenes at each heading. Elements before the first heading become an opening scene only
    /// if something happens in them (action, dialogue, lyrics or centered text), not for sections and notes alone.
    static func scenes(of elements: [ScreenplayElement]) -> [Scene] {
        var groups: [[ScreenplayElement]] = [[]]
        for element in elements {
            if element.kind == .sceneHeading { groups.append([]) }
            groups[groups.count - 1].append(element)
        }
        let opening = groups.removeFirst()
        let happens: Set<ScreenplayElement.Kind> = [.action, .character, .dialogue, .lyric, .centered]
        if opening.contains(where: { happens.contains($0.kind) }) { groups.insert(opening, at: 0) }
        return groups.enumerated().map { Scene(number: $0.offset + 1, elements: $0.element) }
    }
}
