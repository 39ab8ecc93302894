/// Inbound request: an Anthropic Messages request (from a client of the gateway's Messages API) becomes an OpenAI chat
/// request, the format every upstream adapter takes.
extension AnthropicTranslation {
    /// Translates an Anthropic Messages request into an OpenAI Chat Completions request: the inverse of
    /// ``messagesRequest(fromChat:upstreamModel:)``.
    ///
    /// `system` becomes a leading system message; `tool_result` blocks become `tool` messages placed before the rest
    /// of their user turn; `tool_use` blocks become `tool_calls`; images become `image_url` parts (base64 sources as
    /// data: URLs); `stop_sequences`, `tools`, `tool_choice`, `metadata.user_id` and structured-output formats carry
    /// over; `stream: true` asks for usage too (`stream_options.include_usage`), which the Anthropic stream reports
    /// in `message_delta`. `thinking` is dropped (the answer then has no thinking blocks, which the API allows).
    ///
    /// - Throws: ``APIError`` `400` naming the field, for malformed requests and for what cannot be honoured.
    public static func chatRequest(fromMessages request: JSON) throws(APIError) -> JSON {
        guard case .object = request else {
            throw APIError.invalidField("body", "must be a JSON object with `model`, `max_tokens` and `messages`")
        }
        guard let model = request["model"]?.stringValue else {
            throw APIError.missingField("model", example: #"{"model": "claude-sonnet-4.5", "max_tokens": 1024, "messages": […]}"#)
        }
        guard let maxTokens = request["max_tokens"], maxTokens != .null else {
            throw APIError.missingField("max_tokens", example: #"{"max_tokens": 1024}"#)
        }
        guard let tokens = maxTokens.intValue, tokens >= 1 else {
            throw invalid("max_tokens", "must be a positive whole number of tokens, for example 1024")
        }
        try rejectUnhonourableInboundFields(request)
        guard let turns = request["messages"]?.arrayValue else {
            throw APIError.missingField("messages", example: #"{"messages": [{"role": "user", "content": "Hello"}]}"#)
        }

        var messages: [JSON] = []
        if let system = try inboundSystem(request["system"]) { messages.append(["role": "system", "content": .string(system)]) }
        for (index, turn) in turns.enumerated() {
            messages += try chatMessages(fromTurn: turn, field: "messages[\(index)]")
        }
        var chat: [String: JSON] = ["model": .string(model), "messages": .array(messages), "max_tokens": .integer(Int64(tokens))]
        for field in ["temperature", "top_p"] {
            guard let value = request[field], value != .null else { continue }
            guard let number = value.doubleValue, (0...1).contains(number) else { throw invalid(field, "must be a number between 0 and 1") }
            chat[field] = value
        }
        if let stop = request["stop_sequences"], stop != .null {
            guard let sequences = stop.arrayValue, sequences.allSatisfy({ $0.stringValue != nil }) else {
                throw invalid("stop_sequences", "must be an array of strings")
            }
            if !sequences.isEmpty { chat["stop"] = .array(sequences) }
        }
        if request["stream"]?.boolValue == true {
            chat["stream"] = true
            chat["stream_options"] = ["include_usage": true]
        }
        if let user = request["metadata"]?["user_id"]?.stringValue, !user.isEmpty { chat["user"] = .string(user) }
        let tools = try inboundTools(request["tools"])
        if !tools.isEmpty { chat["tools"] = .array(tools) }
        if let choice = request["tool_choice"], choice != .null, !tools.isEmpty {
            let (converted, parallel) = try inboundToolChoice(choice)
            if let converted { chat["tool_choice"] = converted }
            if parallel == false { chat["parallel_tool_calls"] = false }
        }
        if let format = try inboundResponseFormat(request) { chat["response_format"] = format }
        return .object(chat)
    }

    static func rejectUnhonourableInboundFields(_ request: JSON) throws(APIError) {
        if let topK = request["top_k"], topK != .null {
            throw unsupportedInbound("top_k", advice: "The model's upstream speaks OpenAI's format, which has no top-k sampling: remove `top_k` and use `temperature` or `top_p`.")
        }
        if let servers = request["mcp_servers"]?.arrayValue, !servers.isEmpty {
            throw unsupportedInbound("mcp_servers", advice: "The gateway does not connect to MCP servers: remove `mcp_servers` and pass the tools you need in `tools`.")
        }
    }

    static func inboundSystem(_ system: JSON?) throws(APIError) -> String? {
        switch system {
        case nil, .null?:
            return nil
        case .string(let text)?:
            return text.isEmpty ? nil : text
        case .array(let blocks)?:
            var texts: [String] = []
            for (index, block) in blocks.enumerated() {
                guard block["type"] == "text", let text = block["text"]?.stringValue else {
                    throw invalid("system[\(index)]", #"must be a text block, {"type": "text", "text": "…"}"#)
                }
                texts.append(text)
            }
            return texts.isEmpty ? nil : texts.joined(separator: "\n\n")
        default:
            throw invalid("system", "must be a string or an array of text blocks")
        }
    }

    /// The `output_config.format` (or the older `output_format`) JSON schema as OpenAI's `response_format`.
    static func inboundResponseFormat(_ request: JSON) throws(APIError) -> JSON? {
        let field = request["output_config"]?["format"] != nil ? "output_config.format" : "output_format"
        guard let format = request["output_config"]?["format"] ?? request["output_format"], format != .null else { return nil }
        guard format["type"] == "json_schema", let schema = format["schema"], schema.objectValue != nil else {
            throw invalid(field, #"must be {"type": "json_schema", "schema": {…}}"#)
        }
        return ["type": "json_schema", "json_schema": ["name": "response", "schema": schema]]
    }
}
