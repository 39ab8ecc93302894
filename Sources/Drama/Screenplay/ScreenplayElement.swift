/// One element of a screenplay — a scene heading, a paragraph of action, a character cue, a line of dialogue… —
/// with the source line it starts on.
///
/// `text` is the plain content: forcing marks (`.`, `!`, `@`, `>`, `~`), scene numbers, cue extensions, notes and
/// emphasis markers are gone. `rawText` is the element as written in the script (after the boneyard is cut out),
/// so emphasis such as `**bold**` can still be rendered. Multi-line elements join their lines with `\n`.
///
/// Encoded as one flat JSON object, keys in this order, absent values left out:
/// `{"type":"scene_heading","text":"INT. KITCHEN - NIGHT","line":12,"raw_text":"INT. KITCHEN - NIGHT #3#","scene_number":"3"}`.
public struct ScreenplayElement: Sendable, Hashable, Codable {
    /// What an element is.
    public enum Kind: Sendable, Hashable {
        case sceneHeading, action, character, dialogue, parenthetical, lyric, transition, centered
        /// A `#` section; `depth` is the number of `#`s (1 for an act, 2 for a sequence, …).
        case section(depth: Int)
        case synopsis, note, pageBreak

        /// The element's `type` in JSON: `scene_heading`, `action`, `page_break`, …
        public var name: String {
            switch self {
            case .sceneHeading: "scene_heading"
            case .action: "action"
            case .character: "character"
            case .dialogue: "dialogue"
            case .parenthetical: "parenthetical"
            case .lyric: "lyric"
            case .transition: "transition"
            case .centered: "centered"
            case .section: "section"
            case .synopsis: "synopsis"
            case .note: "note"
            case .pageBreak: "page_break"
            }
        }

        /// The kind named `name` (sections take `depth`, 1 if absent); nil for an unknown name.
        public init?(name: String, depth: Int? = nil) {
            let simple: [Kind] = [
                .sceneHeading, .action, .character, .dialogue, .parenthetical, .lyric, .transition, .centered,
                .synopsis, .note, .pageBreak,
            ]
            if name == "section" {
                self = .section(depth: depth ?? 1)
            } else if let kind = simple.first(where: { $0.name == name }) {
                self = kind
            } else {
                return nil
            }
        }
    }

    public var kind: Kind
    /// The plain text, without markup.
    public var text: String
    /// The text as written in the script.
    public var rawText: String
    /// The 1-based source line the element starts on.
    public var line: Int
    /// A heading's scene number: `1A` from `INT. HOUSE - DAY #1A#`, or the act or scene number of a prose marker.
    public var sceneNumber: String?
    /// A cue's extensions without their parentheses: `["V.O."]`, `["O.S.", "CONT'D"]`.
    public var characterExtensions: [String]
    /// True for both speeches of a dual-dialogue pair (the cue, its parentheticals and its dialogue).
    public var isDualDialogue: Bool

    public init(
        _ kind: Kind, text: String, rawText: String? = nil, line: Int, sceneNumber: String? = nil,
        characterExtensions: [String] = [], isDualDialogue: Bool = false
    ) {
        self.kind = kind
        self.text = text
        self.rawText = rawText ?? text
        self.line = line
        self.sceneNumber = sceneNumber
        self.characterExtensions = characterExtensions
        self.isDualDialogue = isDualDialogue
    }

    enum CodingKeys: String, CodingKey {
        case type, text, line, rawText = "raw_text", depth, sceneNumber = "scene_number", extensions, dual
    }

    var jsonObject: OrderedJSONObject<CodingKeys> {
        var object = OrderedJSONObject<CodingKeys>()
        object.add(.type, kind.name)
        object.add(.text, text)
        object.add(.line, line)
        object.add(.rawText, rawText == text ? nil : rawText)
        if case .section(let depth) = kind { object.add(.depth, depth) }
        object.add(.sceneNumber, sceneNumber)
        object.add(.extensions, characterExtensions)
        object.add(.dual, isDualDialogue)
        return object
    }

    public func encode(to encoder: any Encoder) throws {
        try jsonObject.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .type)
        guard let kind = Kind(name: name, depth: try container.decodeIfPresent(Int.self, forKey: .depth)) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "Unknown element type \(name)")
        }
        let text = try container.decode(String.self, forKey: .text)
        self.init(
            kind, text: text, rawText: try container.decodeIfPresent(String.self, forKey: .rawText),
            line: try container.decode(Int.self, forKey: .line),
            sceneNumber: try container.decodeIfPresent(String.self, forKey: .sceneNumber),
            characterExtensions: try container.decodeIfPresent([String].self, forKey: .extensions) ?? [],
            isDualDialogue: try container.decodeIfPresent(Bool.self, forKey: .dual) ?? false)
    }
}
