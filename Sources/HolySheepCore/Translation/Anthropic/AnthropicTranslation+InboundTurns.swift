/// Inbound request: Anthropic turns and their content blocks become OpenAI messages.
extension AnthropicTranslation {
    /// One Anthropic turn as OpenAI messages. A user turn's `tool_result` blocks become `tool` messages, first (they
    /// must follow the assistant's `tool_calls` directly), then the rest of the turn as one user message.
    static func chatMessages(fromTurn turn: JSON, field: String) throws(APIError) -> [JSON] {
        switch turn["role"]?.stringValue {
        case "user"?:
            return try userMessages(turn["content"], field: "\(field).content")
        case "assistant"?:
            return [try assistantMessage(turn["content"], field: "\(field).content")]
        case let role:
            throw invalid("\(field).role", "is \((role ?? "missing").jsonQuoted); Anthropic turns are `user` or `assistant` (the system prompt goes in `system`)")
        }
    }

    static func userMessages(_ content: JSON?, field: String) throws(APIError) -> [JSON] {
        if let text = content?.stringValue { return [["role": "user", "content": .string(text)]] }
        guard let blocks = content?.arrayValue else {
            throw invalid(field, "must be a string or an array of content blocks")
        }
        var toolMessages: [JSON] = []
        var parts: [JSON] = []
        for (index, block) in blocks.enumerated() {
            let blockField = "\(field)[\(index)]"
            if block["type"] == "tool_result" {
                let (message, images) = try toolMessage(block, field: blockField)
                toolMessages.append(message)
                parts += images
            } else if let part = try chatPart(block, field: blockField) {
                parts.append(part)
            }
        }
        guard !parts.isEmpty else { return toolMessages }
        let texts = parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
        // Text-only content goes as a plain string: every OpenAI-compatible server reads that form.
        let content: JSON = texts.count == parts.count ? .string(texts.joined(separator: "\n")) : .array(parts)
        return toolMessages + [["role": "user", "content": content]]
    }

    /// A `tool_result` block as a `tool` message. OpenAI tool messages carry text only, so images in the result are
    /// returned apart, to go into the user message that follows. OpenAI has no error flag: an `is_error` result's text
    /// is prefixed with "Error: " so the model still knows the tool failed.
    static func toolMessage(_ block: JSON, field: String) throws(APIError) -> (message: JSON, images: [JSON]) {
        guard let id = block["tool_use_id"]?.stringValue, !id.isEmpty else {
            throw invalid("\(field).tool_use_id", "is missing; a tool_result must name the tool_use it answers")
        }
        var texts: [String] = []
        var images: [JSON] = []
        switch block["content"] {
        case nil, .null?:
            break
        case .string(let text)?:
            texts.append(text)
        case .array(let inner)?:
            for (index, item) in inner.enumerated() {
                guard let part = try chatPart(item, field: "\(field).content[\(index)]") else { continue }
                if part["type"] == "text" { texts.append(part["text"]?.stringValue ?? "") } else { images.append(part) }
            }
        default:
            throw invalid("\(field).content", "must be a string or an array of text and image blocks")
        }
        var text = texts.joined(separator: "\n")
        if block["is_error"]?.boolValue == true { text = "Error: " + text }
        return (["role": "tool", "tool_call_id": .string(id), "content": .string(text)], images)
    }

    /// A user content block as an OpenAI content part; nil for blocks that carry nothing for the model.
    static func chatPart(_ block: JSON, field: String) throws(APIError) -> JSON? {
        switch block["type"]?.stringValue {
        case "text"?:
            return ["type": "text", "text": block["text"] ?? ""]
        case "image"?:
            let source = block["source"]
            switch source?["type"]?.stringValue {
            case "base64"?:
                guard let mediaType = source?["media_type"]?.stringValue, let data = source?["data"]?.stringValue else {
                    throw invalid("\(field).source", "needs `media_type` and `data` for a base64 image")
                }
                return ["type": "image_url", "image_url": ["url": .string("data:\(mediaType);base64,\(data)")]]
            case "url"?:
                guard let url = source?["url"]?.stringValue else { throw invalid("\(field).source.url", "is missing") }
                return ["type": "image_url", "image_url": ["url": .string(url)]]
            default:
                throw unsupportedInbound("\(field).source.type", advice: "Send images as `base64` or `url` sources; Files API ids cannot be read by this gateway's upstreams.")
            }
        case "document"?:
            let source = block["source"]
            guard source?["type"] == "base64", source?["media_type"] == "application/pdf", let data = source?["data"]?.stringValue else {
                throw unsupportedInbound("\(field).source", advice: "Send documents as base64 PDF sources (`{\"type\": \"base64\", \"media_type\": \"application/pdf\", \"data\": …}`).")
            }
            return ["type": "file", "file": ["file_data": .string("data:application/pdf;base64,\(data)")]]
        case "thinking"?, "redacted_thinking"?:
            return nil
        case let type:
            throw unsupportedInbound("\(field).type", advice: "Content blocks of type \((type ?? "missing").jsonQuoted) cannot be passed on; use text, image, document, tool_use or tool_result.")
        }
    }

    /// An assistant turn as one OpenAI assistant message: text joined into `content`, `tool_use` blocks as
    /// `tool_calls` (ids kept, `input` encoded as the `arguments` string), thinking dropped.
    static func assistantMessage(_ content: JSON?, field: String) throws(APIError) -> JSON {
        if let text = content?.stringValue { return ["role": "assistant", "content": .string(text)] }
        guard let blocks = content?.arrayValue else {
            throw invalid(field, "must be a string or an array of content blocks")
        }
        var text = ""
        var calls: [JSON] = []
        for (index, block) in blocks.enumerated() {
            switch block["type"]?.stringValue {
            case "text"?:
                text += block["text"]?.stringValue ?? ""
            case "tool_use"?:
                guard let id = block["id"]?.stringValue, let name = block["name"]?.stringValue else {
                    throw invalid("\(field)[\(index)]", "is a tool_use block without `id` or `name`")
                }
                calls.append(openAIToolCall(id: id, name: name, arguments: (block["input"] ?? [:]).text))
            case "thinking"?, "redacted_thinking"?:
                continue
            case let type:
                throw unsupportedInbound("\(field)[\(index)].type", advice: "Assistant blocks of type \((type ?? "missing").jsonQuoted) cannot be passed on; use text or tool_use.")
            }
        }
        var message: [String: JSON] = ["role": "assistant", "content": text.isEmpty && !calls.isEmpty ? .null : .string(text)]
        if !calls.isEmpty { message["tool_calls"] = .array(calls) }
        return .object(message)
    }
}
