/// Outbound response: an Anthropic message becomes an OpenAI `chat.completion`.
extension AnthropicTranslation {
    /// Translates an Anthropic Messages response into an OpenAI `chat.completion`.
    ///
    /// Text blocks are joined into `content`; `tool_use` blocks become `tool_calls` (ids kept, `input` encoded as the
    /// `arguments` string); `thinking` and `redacted_thinking` blocks are dropped. A `json_response` tool call (the
    /// JSON-mode answer, see ``jsonResponseTool(_:model:)``) becomes the content itself, alone, with
    /// `finish_reason: "stop"`, so a client that asked for JSON can parse `content` as it would with OpenAI.
    ///
    /// - Parameters:
    ///   - message: the Anthropic response body.
    ///   - model: the public model name the client asked for (not Anthropic's).
    ///   - created: Unix seconds for `created`.
    public static func chatCompletion(fromMessage message: JSON, model: String, created: Int) -> JSON {
        var texts: [String] = []
        var toolCalls: [JSON] = []
        var jsonAnswer: String?
        for block in message["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text"?:
                texts.append(block["text"]?.stringValue ?? "")
            case "tool_use"?:
                let name = block["name"]?.stringValue ?? ""
                let input = block["input"] ?? [:]
                if name == jsonResponseToolName {
                    jsonAnswer = input.text
                } else {
                    toolCalls.append(openAIToolCall(id: block["id"]?.stringValue ?? "", name: name, arguments: input.text))
                }
            default:
                continue  // thinking, redacted_thinking and server-tool blocks have no OpenAI equivalent
            }
        }

        var assistant: [String: JSON] = ["role": "assistant", "refusal": .null]
        if let jsonAnswer {
            assistant["content"] = .string(jsonAnswer)
        } else {
            let text = texts.joined()
            assistant["content"] = text.isEmpty && !toolCalls.isEmpty ? JSON.null : .string(text)
        }
        if !toolCalls.isEmpty { assistant["tool_calls"] = .array(toolCalls) }
        let finish = finishReason(
            stopReason: message["stop_reason"]?.stringValue, answeredByJSONTool: jsonAnswer != nil && toolCalls.isEmpty)

        var completion: [String: JSON] = [
            "id": .string("chatcmpl-" + (message["id"]?.stringValue ?? "")),
            "object": "chat.completion",
            "created": .integer(Int64(created)),
            "model": .string(model),
            "choices": [["index": 0, "message": .object(assistant), "logprobs": nil, "finish_reason": .string(finish)]],
        ]
        if let usage = tokenUsage(anthropic: message["usage"]) { completion["usage"] = openAIUsage(usage) }
        return .object(completion)
    }

    static func openAIToolCall(id: String, name: String, arguments: String) -> JSON {
        ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]
    }
}
