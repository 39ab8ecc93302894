/// Outbound request: an OpenAI chat request becomes an Anthropic Messages request.
extension AnthropicTranslation {
    /// Builds the body of an Anthropic `POST /v1/messages` request from an OpenAI Chat Completions request.
    ///
    /// - `system` and `developer` messages become the top-level `system` prompt, joined by blank lines.
    /// - `user` / `assistant` / `tool` messages become alternating turns: consecutive messages of one role are
    ///   merged and tool results become `tool_result` blocks of a user turn (Anthropic requires alternation).
    /// - Text and image parts, tools, tool calls, `tool_choice`, `parallel_tool_calls`, `max_tokens`,
    ///   `temperature`, `top_p`, `stop`, `stream` and `user` are carried over; `response_format` becomes a forced
    ///   `json_response` tool (see ``jsonResponseTool(_:model:)``).
    /// - Fields Anthropic cannot honour (`n` > 1, `logprobs`, penalties, `logit_bias`, `seed`, audio) are refused,
    ///   never silently dropped; fields no one knows are ignored.
    ///
    /// - Parameters:
    ///   - chat: the client's request body (its `model` is the public model name, used in error messages).
    ///   - upstreamModel: the Anthropic model to call, e.g. `claude-sonnet-4-5`.
    /// - Returns: the Messages request body.
    /// - Throws: ``APIError`` `400` naming the field, the model and what to do.
    public static func messagesRequest(fromChat chat: JSON, upstreamModel: String) throws(APIError) -> JSON {
        guard case .object = chat else {
            throw APIError.invalidField("body", "must be a JSON object with `model` and `messages`")
        }
        let model = chat["model"]?.stringValue ?? upstreamModel
        try rejectUnhonourableFields(chat, model: model)

        let conversation = try anthropicConversation(chat["messages"], model: model)
        let tokenLimit = try maxTokens(chat)
        var body: [String: JSON] = [
            "model": .string(upstreamModel),
            "messages": .array(conversation.messages),
            "max_tokens": .integer(Int64(tokenLimit)),
        ]
        if let system = conversation.system { body["system"] = .string(system) }
        if let sampling = try temperature(chat, model: model) { body["temperature"] = sampling }
        if let topP = chat["top_p"], topP != .null {
            guard let value = topP.doubleValue, (0...1).contains(value) else {
                throw invalid("top_p", "must be a number between 0 and 1")
            }
            body["top_p"] = topP
        }
        if let stop = try stopSequences(chat["stop"]) { body["stop_sequences"] = .array(stop.map(JSON.string)) }
        if chat["stream"]?.boolValue == true { body["stream"] = true }
        if let user = chat["user"]?.stringValue, !user.isEmpty { body["metadata"] = ["user_id": .string(user)] }

        let tooling = try anthropicTooling(chat, model: model)
        if !tooling.tools.isEmpty { body["tools"] = .array(tooling.tools) }
        if let choice = tooling.choice { body["tool_choice"] = choice }
        return .object(body)
    }

    // MARK: - Sampling parameters

    static func maxTokens(_ chat: JSON) throws(APIError) -> Int {
        for field in ["max_completion_tokens", "max_tokens"] {
            guard let value = chat[field], value != .null else { continue }
            guard let tokens = value.intValue, tokens >= 1 else {
                throw invalid(field, "must be a positive whole number of tokens, for example 1024")
            }
            return tokens
        }
        return defaultMaxTokens
    }

    /// OpenAI's temperature runs from 0 to 2, Anthropic's from 0 to 1. A value above 1 is refused rather than
    /// clamped: clamping would silently give a different sampling than the one asked for.
    static func temperature(_ chat: JSON, model: String) throws(APIError) -> JSON? {
        guard let temperature = chat["temperature"], temperature != .null else { return nil }
        guard let value = temperature.doubleValue, value >= 0, value <= 2 else {
            throw invalid("temperature", "must be a number between 0 and 2")
        }
        guard value <= 1 else {
            throw unsupportedValue(
                "temperature", model: model, problem: "runs from 0 to 1, and \(temperature.text) is above that",
                advice: "Send a temperature between 0 and 1 (OpenAI's scale goes to 2, Anthropic's to 1; the gateway does "
                    + "not clamp it for you).")
        }
        return temperature
    }

    static func stopSequences(_ stop: JSON?) throws(APIError) -> [String]? {
        switch stop {
        case nil, .null?:
            return nil
        case .string(let sequence)?:
            return sequence.isEmpty ? nil : [sequence]
        case .array(let items)?:
            var sequences: [String] = []
            for item in items {
                guard let sequence = item.stringValue else {
                    throw invalid("stop", "must be a string or an array of strings, for example [\"\\n\\n\"]")
                }
                if !sequence.isEmpty { sequences.append(sequence) }
            }
            return sequences.isEmpty ? nil : sequences
        default:
            throw invalid("stop", "must be a string or an array of strings, for example [\"\\n\\n\"]")
        }
    }

    // MARK: - Fields Anthropic cannot honour

    /// Refuses the OpenAI fields that have no Anthropic equivalent. Values that change nothing (`n: 1`,
    /// `logprobs: false`, penalties of 0, an empty `logit_bias`) are accepted: several SDKs send them by default.
    static func rejectUnhonourableFields(_ chat: JSON, model: String) throws(APIError) {
        let otherProvider = "or choose a model served by an OpenAI-compatible provider (`GET /v1/models` lists each "
            + "model's provider)."
        if let n = chat["n"], n != .null, n.intValue != 1 {
            throw unsupported(
                "n", model: model,
                advice: "Anthropic returns one choice per request: remove `n` (or set it to 1) and send one request per "
                    + "answer you need, \(otherProvider)")
        }
        if chat["logprobs"]?.boolValue == true {
            throw unsupported("logprobs", model: model, advice: "Anthropic does not return token log probabilities: remove `logprobs`, \(otherProvider)")
        }
        if let topLogprobs = chat["top_logprobs"], topLogprobs != .null {
            throw unsupported("top_logprobs", model: model, advice: "Anthropic does not return token log probabilities: remove `top_logprobs`, \(otherProvider)")
        }
        for penalty in ["presence_penalty", "frequency_penalty"] {
            if let value = chat[penalty], value != .null, value.doubleValue != 0 {
                throw unsupported(penalty, model: model, advice: "Anthropic has no repetition penalties: remove `\(penalty)` (0 is accepted, it changes nothing), \(otherProvider)")
            }
        }
        if let bias = chat["logit_bias"], bias != .null, bias.objectValue?.isEmpty != true {
            throw unsupported("logit_bias", model: model, advice: "Anthropic cannot bias token probabilities: remove `logit_bias`, \(otherProvider)")
        }
        if let seed = chat["seed"], seed != .null {
            throw unsupported("seed", model: model, advice: "Anthropic has no seeded sampling, so its answers cannot be made reproducible: remove `seed`, \(otherProvider)")
        }
        if chat["modalities"]?.arrayValue?.contains(.string("audio")) == true {
            throw unsupported("modalities", model: model, advice: "Anthropic models answer in text only: remove \"audio\" from `modalities`, \(otherProvider)")
        }
        if let audio = chat["audio"], audio != .null {
            throw unsupported("audio", model: model, advice: "Anthropic models answer in text only: remove `audio`, \(otherProvider)")
        }
    }
}
