/// Builds Gemini's `generationConfig` from the OpenAI sampling fields and `response_format`
/// (https://ai.google.dev/api/generate-content#generationconfig,
/// https://ai.google.dev/gemini-api/docs/structured-output).
///
/// | OpenAI | Gemini |
/// | --- | --- |
/// | `temperature`, `top_p` | `temperature`, `topP` |
/// | `max_completion_tokens`, else `max_tokens` | `maxOutputTokens` |
/// | `stop` (string or array) | `stopSequences` |
/// | `seed` | `seed` |
/// | `n` | `candidateCount` |
/// | `presence_penalty`, `frequency_penalty` | `presencePenalty`, `frequencyPenalty` |
/// | `response_format` `json_object` | `responseMimeType: application/json` |
/// | `response_format` `json_schema` | the same, plus `responseSchema` (through ``GeminiSchema``) |
///
/// Fields with no Gemini counterpart that change nothing a client can observe (`user`, `store`, `metadata`,
/// `parallel_tool_calls`, `service_tier`, `reasoning_effort`) are ignored.
enum GeminiGenerationConfig {
    static func make(from chat: JSON) throws(APIError) -> [String: JSON] {
        var config: [String: JSON] = [:]
        config["temperature"] = try number(chat, "temperature")
        config["topP"] = try number(chat, "top_p")
        config["presencePenalty"] = try number(chat, "presence_penalty")
        config["frequencyPenalty"] = try number(chat, "frequency_penalty")
        let maxTokens = try integer(chat, "max_tokens", minimum: 1)
        config["maxOutputTokens"] = try integer(chat, "max_completion_tokens", minimum: 1) ?? maxTokens
        config["seed"] = try integer(chat, "seed", minimum: nil)
        config["candidateCount"] = try integer(chat, "n", minimum: 1)
        if let stop = try stopSequences(chat["stop"]) {
            config["stopSequences"] = stop
        }
        for (key, value) in try responseFormat(chat["response_format"]) {
            config[key] = value
        }
        return config
    }

    private static func number(_ chat: JSON, _ field: String) throws(APIError) -> JSON? {
        guard let value = chat[field], !value.isNull else { return nil }
        guard value.doubleValue != nil else { throw APIError.invalidField(field, "must be a number") }
        return value
    }

    private static func integer(_ chat: JSON, _ field: String, minimum: Int?) throws(APIError) -> JSON? {
        guard let value = chat[field], !value.isNull else { return nil }
        guard let number = value.intValue else { throw APIError.invalidField(field, "must be an integer") }
        if let minimum, number < minimum { throw APIError.invalidField(field, "must be at least \(minimum)") }
        return .integer(Int64(number))
    }

    private static func stopSequences(_ stop: JSON?) throws(APIError) -> JSON? {
        guard let stop, !stop.isNull else { return nil }
        if let single = stop.stringValue { return [.string(single)] }
        guard let list = stop.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
            throw APIError.invalidField("stop", "must be a string or an array of strings")
        }
        return list.isEmpty ? nil : .array(list)
    }

    /// `responseMimeType` and `responseSchema` for a `response_format`.
    private static func responseFormat(_ format: JSON?) throws(APIError) -> [String: JSON] {
        guard let format, !format.isNull else { return [:] }
        switch format["type"]?.stringValue {
        case "text"?:
            return [:]
        case "json_object"?:
            return ["responseMimeType": "application/json"]
        case "json_schema"?:
            var result: [String: JSON] = ["responseMimeType": "application/json"]
            if let schema = format["json_schema"]?["schema"], !schema.isNull {
                result["responseSchema"] = try GeminiSchema.convert(schema, field: "response_format.json_schema.schema")
            }
            return result
        case let other:
            throw APIError.invalidField(
                "response_format.type", "is \((other ?? "missing").jsonQuoted); use \"text\", \"json_object\" or \"json_schema\"")
        }
    }
}
