/// One shot of an episode: what the camera sees, who is in it, what they say, and how long it lasts.
///
/// Encoded with snake_case keys, the same shape the chat model is asked for (see ``ShotListSchema``):
///
/// ```json
/// {"id":"s01-03","scene":1,"description":"Xiaoyu stares up at the board.","camera":"slow push in",
///  "characters":["XIAOYU"],"dialogue":[{"speaker":"XIAOYU","text":"Next year. I promise."}],
///  "emotion_tone":"sad","duration":5,"prompt":"…"}
/// ```
public struct Shot: Sendable, Hashable, Codable, Identifiable {
    /// One spoken line in a shot.
    public struct Line: Sendable, Hashable, Codable {
        /// The character's name as cued: `GRANDPA LIN`.
        public var speaker: String
        public var text: String

        public init(speaker: String, text: String) {
            self.speaker = speaker
            self.text = text
        }
    }

    /// `s01-03`: scene 1, shot 3.
    public var id: String
    /// The 1-based scene the shot belongs to.
    public var sceneNumber: Int
    /// What the camera sees, in plain words.
    public var description: String
    /// Framing and movement: `close-up, slow push in`.
    public var cameraNote: String
    /// Who is on screen, by cue name.
    public var characters: [String]
    public var dialogue: [Line]
    /// A word for the mood: `warm`, `tense`, `sad`, `romantic`, `neutral`, …
    public var emotionTone: String
    /// Whole seconds, a duration the video model accepts (see ``ShotTiming``).
    public var durationSeconds: Int
    /// The text sent to the video model: the description, the camera note and the character sheet lines of
    /// everyone on screen. Empty until ``CharacterSheet/prompt(for:)`` fills it in.
    public var prompt: String

    public init(
        id: String, sceneNumber: Int, description: String, cameraNote: String, characters: [String] = [],
        dialogue: [Line] = [], emotionTone: String = "neutral", durationSeconds: Int = 5, prompt: String = ""
    ) {
        self.id = id
        self.sceneNumber = sceneNumber
        self.description = description
        self.cameraNote = cameraNote
        self.characters = characters
        self.dialogue = dialogue
        self.emotionTone = emotionTone
        self.durationSeconds = durationSeconds
        self.prompt = prompt
    }

    /// The id of shot `number` (1-based) of scene `scene`: `s01-03`.
    public static func id(scene: Int, number: Int) -> String {
        let pad = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return "s\(pad(scene))-\(pad(number))"
    }

    enum CodingKeys: String, CodingKey {
        case id, sceneNumber = "scene", description, cameraNote = "camera", characters, dialogue
        case emotionTone = "emotion_tone", durationSeconds = "duration", prompt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            sceneNumber: try container.decode(Int.self, forKey: .sceneNumber),
            description: try container.decode(String.self, forKey: .description),
            cameraNote: try container.decodeIfPresent(String.self, forKey: .cameraNote) ?? "",
            characters: try container.decodeIfPresent([String].self, forKey: .characters) ?? [],
            dialogue: try container.decodeIfPresent([Line].self, forKey: .dialogue) ?? [],
            emotionTone: try container.decodeIfPresent(String.self, forKey: .emotionTone) ?? "neutral",
            durationSeconds: try container.decodeIfPresent(Int.self, forKey: .durationSeconds) ?? 5,
            prompt: try container.decodeIfPresent(String.self, forKey: .prompt) ?? "")
    }
}
