import Foundation
import HolySheepKit

/// The JSON a chat model answers a scene's breakdown with, its JSON Schema, and the validation that the schema
/// alone cannot do (4 to 8 shots, known characters).
///
/// ```json
/// {"shots": [{"description": "…", "camera": "…", "characters": ["XIAOYU"],
///             "dialogue": [{"speaker": "XIAOYU", "text": "…"}], "emotion_tone": "sad", "duration": 5}]}
/// ```
public struct ShotListSchema: Sendable {
    public var minimumShots = 4
    public var maximumShots = 8
    /// The characters a shot may show or a line may be spoken by (cue names).
    public var cast: [String]

    public init(cast: [String]) {
        self.cast = cast
    }

    /// The schema sent with `response_format: json_schema`.
    public var schema: JSON {
        let line: JSON = [
            "type": "object", "additionalProperties": false, "required": ["speaker", "text"],
            "properties": ["speaker": ["type": "string"], "text": ["type": "string"]],
        ]
        let shot: JSON = [
            "type": "object", "additionalProperties": false,
            "required": ["description", "camera", "characters", "dialogue", "emotion_tone", "duration"],
            "properties": [
                "description": ["type": "string", "description": "What the camera sees, vivid and filmable."],
                "camera": ["type": "string", "description": "Framing and movement."],
                "characters": ["type": "array", "items": ["type": "string"]],
                "dialogue": ["type": "array", "items": line],
                "emotion_tone": ["type": "string"],
                "duration": ["type": "integer", "minimum": 5, "maximum": 30],
            ],
        ]
        return [
            "type": "object", "additionalProperties": false, "required": ["shots"],
            "properties": [
                "shots": ["type": "array", "minItems": .integer(Int64(minimumShots)), "maxItems": .integer(Int64(maximumShots)), "items": shot]
            ],
        ]
    }

    /// A problem with an answer, worded to be fed back to the model.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses and checks an answer; returns the shots numbered for `scene` (prompts and timing not yet applied).
    /// - Throws: ``Invalid`` naming the first problem: not JSON, a missing or mistyped field, a shot count outside
    ///   4–8, an unknown character or speaker.
    public func shots(from answer: String, scene: Int) throws(Invalid) -> [Shot] {
        let text = JSONRepair.stripped(answer)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
            throw Invalid(description: "The answer is not valid JSON. Answer with one JSON object only.")
        }
        guard let root = object as? [String: Any], let list = root["shots"] as? [Any] else {
            throw Invalid(description: "The answer must be an object with a `shots` array.")
        }
        guard (minimumShots...maximumShots).contains(list.count) else {
            throw Invalid(description: "`shots` has \(list.count) shots; give between \(minimumShots) and \(maximumShots).")
        }
        let known = Dictionary(cast.map { ($0.uppercased(), $0) }, uniquingKeysWith: { first, _ in first })
        func name(_ value: String, at path: String) throws(Invalid) -> String {
            guard let cue = known[value.trimmingWhitespace.uppercased()] else {
                throw Invalid(description: "\(path) is \"\(value)\", not a character of the scene. Use only: \(cast.joined(separator: ", ")).")
            }
            return cue
        }
        var shots: [Shot] = []
        for (index, item) in list.enumerated() {
            let path = "shots[\(index)]"
            guard let fields = item as? [String: Any] else { throw Invalid(description: "\(path) is not an object.") }
            func string(_ key: String) throws(Invalid) -> String {
                guard let value = fields[key] as? String, !value.trimmingWhitespace.isEmpty else {
                    throw Invalid(description: "\(path).\(key) is missing or empty; it must be a non-empty string.")
                }
                return value.trimmingWhitespace
            }
            guard let characterList = fields["characters"] as? [String] else {
                throw Invalid(description: "\(path).characters is missing; it must be an array of character names (possibly empty).")
            }
            guard let dialogueList = fields["dialogue"] as? [[String: Any]] else {
                throw Invalid(description: "\(path).dialogue is missing; it must be an array of {speaker, text} (possibly empty).")
            }
            var characters: [String] = []
            for (position, character) in characterList.enumerated() {
                characters.append(try name(character, at: "\(path).characters[\(position)]"))
            }
            var lines: [Shot.Line] = []
            for (position, line) in dialogueList.enumerated() {
                guard let speaker = line["speaker"] as? String, let text = line["text"] as? String, !text.isEmpty else {
                    throw Invalid(description: "\(path).dialogue[\(position)] needs a `speaker` and a non-empty `text`.")
                }
                lines.append(Shot.Line(speaker: try name(speaker, at: "\(path).dialogue[\(position)].speaker"), text: text))
            }
            let duration = (fields["duration"] as? NSNumber)?.intValue ?? 5
            shots.append(Shot(
                id: Shot.id(scene: scene, number: index + 1), sceneNumber: scene, description: try string("description"),
                cameraNote: try string("camera"), characters: characters.uniqued(), dialogue: lines,
                emotionTone: (fields["emotion_tone"] as? String).map(\.trimmingWhitespace).flatMap { $0.isEmpty ? nil : $0 } ?? "neutral",
                durationSeconds: duration))
        }
        return shots
    }
}
