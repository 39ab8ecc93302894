import HolySheepKit

/// Optional: a chat model rewrites each scene's action paragraphs into vivid, filmable descriptions (what a camera
/// can see and hear), keeping every event, character and line of dialogue. A scene whose answer cannot be used
/// keeps its original action.
///
/// ```swift
/// let enhanced = await ScriptEnhancer(model: chatModel).enhance(screenplay)
/// ```
public struct ScriptEnhancer: Sendable {
    public let model: any ChatModel

    public init(model: any ChatModel) {
        self.model = model
    }

    /// The screenplay with rewritten action; other elements untouched.
    public func enhance(_ screenplay: Screenplay) async -> Screenplay {
        var replacements: [Int: String] = [:]  // source line → new text
        for scene in screenplay.scenes {
            let actions = scene.actionBeats
            guard !actions.isEmpty else { continue }
            let schema: JSON = [
                "type": "object", "additionalProperties": false, "required": ["actions"],
                "properties": ["actions": ["type": "array", "items": ["type": "string"]]],
            ]
            let numbered = actions.enumerated().map { "\($0.offset + 1). \($0.element.text)" }.joined(separator: "\n")
            let messages: [ChatMessage] = [
                .system("You rewrite screenplay action into vivid, filmable description: concrete images, light, movement, sound. Keep every event and character; no dialogue; present tense; at most three sentences each. Answer with JSON {\"actions\": [...]} with exactly as many items as given, in order."),
                .user("Scene: \(scene.heading?.text ?? "opening")\n\n\(numbered)"),
            ]
            guard let answer = try? await model.complete(messages, responseFormat: .jsonSchema(name: "enhanced_actions", schema: schema, strict: true)),
                let json = try? JSON(parsing: Array(JSONRepair.stripped(answer).utf8)),
                let texts = json["actions"]?.arrayValue?.compactMap(\.stringValue), texts.count == actions.count
            else { continue }
            for (element, text) in zip(actions, texts) where !text.trimmingWhitespace.isEmpty {
                replacements[element.line] = text.trimmingWhitespace
            }
        }
        let elements = screenplay.elements.map { element in
            guard element.kind == .action, let text = replacements[element.line] else { return element }
            var rewritten = element
            rewritten.text = text
            rewritten.rawText = text
            return rewritten
        }
        return Screenplay(titlePage: screenplay.titlePage, elements: elements)
    }
}
