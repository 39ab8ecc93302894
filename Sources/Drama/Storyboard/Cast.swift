import Foundation
import HolySheepKit

/// Every character's ``CharacterSheet``: saved as `characters.json` in the episode folder, where a user may edit it
/// (a look, a wardrobe, a reference image) before producing; a resumed run reads it back.
///
/// ```swift
/// let cast = Cast(screenplay: screenplay)                      // from the script alone
/// let shot = cast.prompted(storyboard.shots[0])                // prompt with everyone's sheet line
/// ```
public struct Cast: Sendable, Hashable, Codable {
    public var characters: [CharacterSheet]

    public init(characters: [CharacterSheet]) {
        self.characters = characters
    }

    /// Sheets from the script: for each speaking character, the first action paragraph that mentions them is the
    /// look (the sentence that names them), with a neutral wardrobe; a character never described gets a neutral sheet.
    public init(screenplay: Screenplay) {
        let actions = screenplay.elements.filter { $0.kind == .action }.map(\.text)
        characters = screenplay.characters.map { name in
            for paragraph in actions where !CharacterMatcher.mentions(in: paragraph, cast: [name]).isEmpty {
                let sentence = ShotBeat.sentences(of: paragraph).first { !CharacterMatcher.mentions(in: $0, cast: [name]).isEmpty } ?? paragraph
                return CharacterSheet(name: name, look: sentence, wardrobe: "the same clothes in every shot")
            }
            return .neutral(name)
        }
    }

    /// Sheets written by a chat model from the script: one call for the whole cast (JSON schema mode). Characters the
    /// model leaves out, or an answer that cannot be read, fall back to ``init(screenplay:)``'s sheets.
    public static func described(by model: any ChatModel, screenplay: Screenplay) async -> Cast {
        let fallback = Cast(screenplay: screenplay)
        let schema: JSON = [
            "type": "object", "additionalProperties": false, "required": ["characters"],
            "properties": [
                "characters": [
                    "type": "array",
                    "items": [
                        "type": "object", "additionalProperties": false, "required": ["name", "look", "wardrobe"],
                        "properties": ["name": ["type": "string"], "look": ["type": "string"], "wardrobe": ["type": "string"]],
                    ],
                ]
            ],
        ]
        let script = screenplay.elements.filter { [.action, .character, .dialogue].contains($0.kind) }.map(\.text).joined(separator: "\n")
        let messages: [ChatMessage] = [
            .system("You are a casting director for a short vertical drama. Describe each character's look (age, build, face, hair) and wardrobe in one short phrase each, consistent with the script."),
            .user("Characters: \(screenplay.characters.joined(separator: ", "))\n\nScript:\n\(script.prefix(12_000))"),
        ]
        guard let text = try? await model.complete(messages, responseFormat: .jsonSchema(name: "cast", schema: schema, strict: true)),
            let answer = try? JSONDecoder().decode(Cast.self, from: Data(JSONRepair.stripped(text).utf8))
        else { return fallback }
        return Cast(characters: fallback.characters.map { sheet in
            answer.characters.first { $0.name.uppercased() == sheet.name.uppercased() }.map {
                CharacterSheet(name: sheet.name, look: $0.look, wardrobe: $0.wardrobe)
            } ?? sheet
        })
    }

    /// The sheet of `name`, if any.
    public func sheet(_ name: String) -> CharacterSheet? {
        characters.first { $0.name.uppercased() == name.uppercased() }
    }

    /// `shot` with its ``Shot/prompt`` written: the description, the camera note, the mood, and the sheet line of
    /// every character on screen.
    public func prompted(_ shot: Shot) -> Shot {
        var shot = shot
        var parts = [shot.description.trimmingWhitespace, "Camera: \(shot.cameraNote).", "Mood: \(shot.emotionTone)."]
        let sheets = shot.characters.compactMap(sheet)
        if !sheets.isEmpty { parts.append("Characters: " + sheets.map(\.promptLine).joined(separator: " ")) }
        shot.prompt = parts.joined(separator: " ")
        return shot
    }

    /// Reads `characters.json`.
    public static func load(from file: URL) throws -> Cast {
        try AtomicFile.read(Cast.self, from: file)
    }

    /// Writes `characters.json` atomically, pretty-printed for editing.
    public func save(to file: URL) throws {
        try AtomicFile.write(self, to: file)
    }
}
