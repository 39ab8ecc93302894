extension GeminiTranslation {
    /// OpenAI request fields a Gemini upstream cannot honour, with what to do instead.
    ///
    /// Checked against Gemini's `GenerationConfig` (https://ai.google.dev/api/generate-content#generationconfig):
    /// it has `presencePenalty` and `frequencyPenalty` (so those are translated, not refused), and `responseLogprobs`
    /// / `logprobs`, whose result (`logprobsResult`) this gateway does not translate into OpenAI's `logprobs`
    /// shape, so asking for log probabilities is refused rather than silently answered without them.
    /// Gemini has no token bias and no audio output through `generateContent`.
    static let unsupportedParameters: [(field: String, isSet: @Sendable (JSON) -> Bool, advice: String)] = [
        ("logprobs", { $0.boolValue == true },
         "log probabilities are not available through this gateway's Gemini translation. Remove `logprobs`"),
        ("top_logprobs", { !$0.isNull },
         "log probabilities are not available through this gateway's Gemini translation. Remove `top_logprobs`"),
        ("logit_bias", { !($0.objectValue?.isEmpty ?? $0.isNull) },
         "Gemini has no token bias. Remove `logit_bias`, or steer the output with instructions or `stop`"),
        ("audio", { !$0.isNull },
         "Gemini's generateContent answers with text only here. Remove `audio` (and `modalities: [\"audio\"]`)"),
        ("functions", { !$0.isNull },
         "the legacy `functions` field is not translated. Send the same functions as `tools` "
            + "([{\"type\": \"function\", \"function\": {...}}])"),
        ("function_call", { !$0.isNull },
         "the legacy `function_call` field is not translated. Use `tool_choice` instead"),
    ]

    /// Throws for the first field of ``unsupportedParameters`` the request sets.
    static func rejectUnsupportedParameters(in chat: JSON, model: String) throws(APIError) {
        for parameter in unsupportedParameters {
            guard let value = chat[parameter.field], parameter.isSet(value) else { continue }
            throw unsupportedParameter(parameter.field, model: model, advice: parameter.advice)
        }
    }

    /// The 400 answered for a request field the Gemini upstream cannot honour.
    static func unsupportedParameter(_ field: String, model: String, advice: String) -> APIError {
        APIError(
            status: 400, type: "invalid_request_error", code: "unsupported_parameter",
            message: "The parameter `\(field)` is not supported by the model \(model.jsonQuoted), which is served by Google Gemini: "
                + "\(advice), or choose a model served by an OpenAI-compatible provider (`GET /v1/models` lists them).",
            param: field)
    }
}
