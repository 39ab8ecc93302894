/// Inbound response: an OpenAI `chat.completion` becomes an Anthropic message for a client of the Messages API.
extension AnthropicTranslation {
    /// Translates an OpenAI `chat.completion` into an Anthropic Messages response.
    ///
    /// The content becomes a text block, `tool_calls` become `tool_use` blocks (ids kept; `arguments` parsed into
    /// the `input` object, `{}` when the upstream model produced arguments that are not a JSON object), the finish
    /// reason becomes `stop_reason`, and the usage is split as Anthropic reports it (cached prompt tokens apart).
    ///
    /// - Parameters:
    ///   - completion: the OpenAI response body.
    ///   - model: the public model name the client asked for.
    public static func message(fromChatCompletion completion: JSON, model: String) -> JSON {
        let choice = completion["choices"]?[0]
        let assistant = choice?["message"]
        var content: [JSON] = []
        let text = assistantText(assistant?["content"]) ?? assistant?["refusal"]?.stringValue ?? ""
        if !text.isEmpty { content.append(["type": "text", "text": .string(text)]) }
        for call in assistant?["tool_calls"]?.arrayValue ?? [] {
            content.append([
                "type": "tool_use", "id": .string(call["id"]?.stringValue ?? ""),
                "name": .string(call["function"]?["name"]?.stringValue ?? ""),
                "input": toolInput(call["function"]?["arguments"]),
            ])
        }
        let usage = tokenUsage(openAI: completion["usage"]) ?? TokenUsage(promptTokens: 0, completionTokens: 0)
        return [
            "id": .string(messageID(fromCompletionID: completion["id"]?.stringValue)),
            "type": "message",
            "role": "assistant",
            "model": .string(model),
            "content": .array(content),
            "stop_reason": .string(stopReason(finishReason: choice?["finish_reason"]?.stringValue)),
            "stop_sequence": .null,
            "usage": anthropicUsage(usage),
        ]
    }

    /// `msg_` + the completion id without OpenAI's `chatcmpl-` prefix.
    static func messageID(fromCompletionID id: String?) -> String {
        var id = id ?? ""
        if id.hasPrefix("chatcmpl-") { id.removeFirst("chatcmpl-".count) }
        return "msg_" + id
    }

    /// The text of an assistant message's content: a string, or text parts (some servers send parts).
    static func assistantText(_ content: JSON?) -> String? {
        if let text = content?.stringValue { return text }
        guard let parts = content?.arrayValue else { return nil }
        return parts.compactMap { $0["text"]?.stringValue }.joined()
    }

    static func toolInput(_ arguments: JSON?) -> JSON {
        if case .object? = arguments { return arguments ?? [:] }
        guard let text = arguments?.stringValue, let parsed = try? JSON(parsing: text), case .object = parsed else { return [:] }
        return parsed
    }
}
