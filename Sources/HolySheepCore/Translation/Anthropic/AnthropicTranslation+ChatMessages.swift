/// Outbound request: OpenAI `messages` become Anthropic's `system` prompt and alternating turns.
extension AnthropicTranslation {
    struct Conversation {
        var system: String?
        var messages: [JSON]
    }

    /// One Anthropic turn being built; consecutive OpenAI messages of the same role land in one turn.
    struct Turn {
        var role: String
        var blocks: [JSON]

        /// The turn as sent. In a user turn `tool_result` blocks come first: Anthropic requires tool results to
        /// open the user turn that follows the assistant's `tool_use`, before any other content.
        var message: JSON {
            var ordered = blocks
            if role == "user" {
                ordered = blocks.filter { $0["type"] == "tool_result" } + blocks.filter { $0["type"] != "tool_result" }
            }
            return ["role": .string(role), "content": .array(ordered)]
        }
    }

    static func anthropicConversation(_ messages: JSON?, model: String) throws(APIError) -> Conversation {
        guard let list = messages?.arrayValue else {
            throw APIError.missingField("messages", example: #"{"messages": [{"role": "user", "content": "Hello"}]}"#)
        }
        var system: [String] = []
        var turns: [Turn] = []
        func append(_ role: String, _ blocks: [JSON]) {
            guard !blocks.isEmpty else { return }
            if turns.last?.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append(Turn(role: role, blocks: blocks))
            }
        }

        for (index, message) in list.enumerated() {
            let path = "messages[\(index)]"
            guard let role = message["role"]?.stringValue else {
                throw invalid("\(path).role", "is missing; each message needs a role: system, developer, user, assistant or tool")
            }
            switch role {
            case "system", "developer":
                let text = try plainText(message["content"], field: "\(path).content")
                if !text.isEmpty { system.append(text) }
            case "user":
                append("user", try contentBlocks(message["content"], field: "\(path).content", model: model))
            case "assistant":
                var blocks = try contentBlocks(message["content"], field: "\(path).content", model: model)
                if let calls = message["tool_calls"], calls != .null {
                    guard let calls = calls.arrayValue else {
                        throw invalid("\(path).tool_calls", "must be an array of tool calls")
                    }
                    for (callIndex, call) in calls.enumerated() {
                        blocks.append(try toolUseBlock(call, field: "\(path).tool_calls[\(callIndex)]"))
                    }
                }
                append("assistant", blocks)
            case "tool":
                append("user", [try toolResultBlock(message, field: path)])
            case "function":
                throw invalid("\(path).role", "is `function`, OpenAI's deprecated form of tool results; send `role: \"tool\"` with the `tool_call_id` instead")
            default:
                throw invalid("\(path).role", "is \(role.jsonQuoted); use system, developer, user, assistant or tool")
            }
        }
        guard !turns.isEmpty else {
            throw invalid("messages", "has no user or assistant message with content; add at least one user message")
        }
        return Conversation(system: system.isEmpty ? nil : system.joined(separator: "\n\n"), messages: turns.map(\.message))
    }

    /// An assistant's OpenAI tool call as a `tool_use` block: the id is kept (the tool result refers to it) and the
    /// arguments, a JSON string in OpenAI's format, become the `input` object.
    static func toolUseBlock(_ call: JSON, field: String) throws(APIError) -> JSON {
        let type = call["type"]?.stringValue ?? "function"
        guard type == "function" else {
            throw invalid("\(field).type", "is \(type.jsonQuoted); only `function` tool calls can be sent to Anthropic")
        }
        guard let id = call["id"]?.stringValue, !id.isEmpty else {
            throw invalid("\(field).id", "is missing; every tool call needs the id that its tool result refers to")
        }
        guard let name = call["function"]?["name"]?.stringValue, !name.isEmpty else {
            throw invalid("\(field).function.name", "is missing; every tool call needs the name of the function it calls")
        }
        let input: JSON
        switch call["function"]?["arguments"] {
        case nil, .null?:
            input = [:]
        case .object(let object)?:
            input = .object(object)
        case .string(let text)?:
            if text.allSatisfy(\.isWhitespace) {
                input = [:]
            } else if let parsed = try? JSON(parsing: text), case .object = parsed {
                input = parsed
            } else {
                throw invalid(
                    "\(field).function.arguments",
                    "is not a JSON object encoded as a string (Anthropic needs the arguments as an object); send the "
                        + #"arguments exactly as the model produced them, for example "{\"city\": \"Paris\"}""#)
            }
        default:
            throw invalid("\(field).function.arguments", #"must be a JSON object encoded as a string, for example "{\"city\": \"Paris\"}""#)
        }
        return ["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]
    }

    /// A `tool` message as a `tool_result` block for the next user turn.
    static func toolResultBlock(_ message: JSON, field: String) throws(APIError) -> JSON {
        guard let id = message["tool_call_id"]?.stringValue, !id.isEmpty else {
            throw invalid("\(field).tool_call_id", "is missing; a tool message must name the tool call it answers")
        }
        var block: [String: JSON] = ["type": "tool_result", "tool_use_id": .string(id)]
        let text = try plainText(message["content"], field: "\(field).content")
        if !text.isEmpty { block["content"] = .string(text) }
        return .object(block)
    }

    /// The text of a message whose content may only be text (system, developer and tool messages).
    static func plainText(_ content: JSON?, field: String) throws(APIError) -> String {
        switch content {
        case nil, .null?:
            return ""
        case .string(let text)?:
            return text
        case .array(let parts)?:
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                guard part["type"]?.stringValue == "text", let text = part["text"]?.stringValue else {
                    throw invalid("\(field)[\(index)]", "must be a text part ({\"type\": \"text\", \"text\": \"…\"}); this kind of message takes text only")
                }
                texts.append(text)
            }
            return texts.joined(separator: "\n")
        default:
            throw invalid(field, "must be a string or an array of text parts")
        }
    }
}
