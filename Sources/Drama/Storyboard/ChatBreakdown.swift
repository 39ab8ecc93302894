import HolySheepKit

/// Breaks scenes into shots with a chat model in `json_schema` mode, validated by ``ShotListSchema``.
///
/// An answer that is not JSON, misses a field, has fewer than 4 or more than 8 shots, or names a character who is
/// not in the script is sent back to the model with the problem spelled out, up to ``maxAttempts`` answers in all;
/// after that (or when the model cannot be reached) the scene is broken down by ``DeterministicBreakdown`` and the
/// fallback is reported. Durations are never taken on trust: ``ShotTiming`` lengthens any shot whose dialogue
/// needs longer and rounds to an accepted duration.
///
/// ```swift
/// let breakdown = ChatBreakdown(model: HolySheepChatModel(client: client, model: "deepseek-v3.2"))
/// let result = await breakdown.shots(for: screenplay.scenes[0], cast: screenplay.characters)
/// ```
public struct ChatBreakdown: Sendable {
    public let model: any ChatModel
    /// Answers asked for per scene, the first included.
    public var maxAttempts = 3
    public var fallback: DeterministicBreakdown

    public init(model: any ChatModel, fallback: DeterministicBreakdown = DeterministicBreakdown()) {
        self.model = model
        self.fallback = fallback
    }

    /// One scene's shots, and why the deterministic breakdown was used instead, if it was.
    public struct Result: Sendable {
        public var shots: [Shot]
        /// nil when the model's shots were used.
        public var fallbackReason: String?
        /// Answers the model gave for this scene.
        public var attempts: Int
    }

    public func shots(for scene: Scene, cast: [String]) async -> Result {
        let schema = ShotListSchema(cast: cast)
        var messages: [ChatMessage] = [.system(Self.instructions), .user(Self.describe(scene, cast: cast))]
        var lastProblem = "no answer"
        for attempt in 1...max(1, maxAttempts) {
            let answer: String
            do {
                answer = try await model.complete(messages, responseFormat: .jsonSchema(name: "shot_list", schema: schema.schema, strict: true))
            } catch {
                lastProblem = "the chat model failed: \(error)"
                if error is CancellationError { break }
                continue
            }
            do {
                let shots = try schema.shots(from: answer, scene: scene.number)
                return Result(shots: shots.map { timed($0) }, fallbackReason: nil, attempts: attempt)
            } catch {
                lastProblem = error.description
                messages.append(.assistant(answer))
                messages.append(.user("That answer is invalid: \(error.description) Answer again with the corrected JSON object only."))
            }
        }
        return Result(
            shots: fallback.shots(for: scene, cast: cast),
            fallbackReason: "\(model.name) gave no valid shot list after \(maxAttempts) attempts (\(lastProblem)); used the deterministic breakdown",
            attempts: maxAttempts)
    }

    func timed(_ shot: Shot) -> Shot {
        var shot = shot
        shot.durationSeconds = fallback.timing.duration(for: shot)
        return shot
    }

    static let instructions = """
        You are a storyboard artist for a vertical (9:16) short drama. Break the scene into 4 to 8 shots, in story order. \
        For each shot give: a vivid, filmable `description` of what the camera sees (no camera jargon there), a `camera` note \
        (framing and movement), the `characters` on screen (exact names from the cast list), the `dialogue` spoken in the shot \
        (speaker from the cast list and the exact line from the script; every line of the scene in exactly one shot), an \
        `emotion_tone` (one word such as warm, tense, sad, romantic, neutral) and a `duration` in whole seconds (5 to 30). \
        Answer with one JSON object matching the schema, nothing else.
        """

    static func describe(_ scene: Scene, cast: [String]) -> String {
        var text = "Cast: \(cast.joined(separator: ", "))\n\nScene \(scene.number)"
        if let heading = scene.heading?.text { text += ": \(heading)" }
        text += "\n"
        for element in scene.elements {
            switch element.kind {
            case .action, .centered: text += "\n\(element.text)\n"
            case .character: text += "\n\(element.text)\n"
            case .parenthetical, .dialogue, .lyric: text += "\(element.text)\n"
            case .transition: text += "\n\(element.text)\n"
            default: continue
            }
        }
        return text
    }
}
