extension GeminiTranslation {
    /// Translates an OpenAI chat request into a Gemini `GenerateContentRequest` body
    /// (https://ai.google.dev/api/generate-content#request-body).
    ///
    /// - `system` / `developer` messages become `systemInstruction`; the other turns become `contents` with
    ///   roles `user` / `model`, consecutive turns of one role merged into one `Content`.
    /// - Text, images (data URLs inline, `http(s)` URLs as `fileData`), audio and files become parts.
    /// - `tools` become one `functionDeclarations` tool, `tool_choice` becomes `toolConfig`; assistant
    ///   `tool_calls` become `functionCall` parts, `tool` messages `functionResponse` parts.
    /// - Sampling fields and `response_format` become `generationConfig`.
    ///
    /// The body does not depend on the upstream model: the caller puts the model in the URL (``path(model:stream:)``).
    /// `model` and `stream` are read only to word errors.
    ///
    /// ```swift
    /// let body = try GeminiTranslation.generateContentRequest(fromChat: [
    ///     "model": "gemini-2.5-flash",
    ///     "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"]],
    /// ])
    /// // {"contents":[{"parts":[{"text":"Hi"}],"role":"user"}],"systemInstruction":{"parts":[{"text":"Be brief."}]}}
    /// ```
    ///
    /// - Parameter chat: The OpenAI `POST /v1/chat/completions` body.
    /// - Returns: The Gemini request body.
    /// - Throws: ``APIError`` 400: `unsupported_parameter` for a field Gemini cannot honour (its `param` names the
    ///   field), `invalid_field` / `missing_required_field` for a request that cannot be translated.
    public static func generateContentRequest(fromChat chat: JSON) throws(APIError) -> JSON {
        guard chat.objectValue != nil else {
            throw APIError.invalidField("body", "must be a JSON object with `model` and `messages`")
        }
        let model = chat["model"]?.stringValue ?? "the requested model"
        try rejectUnsupportedParameters(in: chat, model: model)

        guard let messagesValue = chat["messages"] else {
            throw APIError.missingField("messages", example: #""messages": [{"role": "user", "content": "Hello"}]"#)
        }
        guard let messages = messagesValue.arrayValue else {
            throw APIError.invalidField("messages", "must be an array of message objects")
        }
        var builder = GeminiContentsBuilder()
        for (index, message) in messages.enumerated() {
            try builder.add(message, at: index)
        }
        guard !builder.contents.isEmpty else {
            throw APIError.invalidField(
                "messages", "has no user or assistant message with content; Gemini needs at least one (system messages alone are not enough)")
        }

        var body: [String: JSON] = ["contents": .array(builder.contents)]
        if let systemInstruction = builder.systemInstruction {
            body["systemInstruction"] = systemInstruction
        }
        let declarations = try GeminiTools.functionDeclarations(from: chat["tools"])
        if !declarations.isEmpty {
            body["tools"] = [["functionDeclarations": .array(declarations)]]
        }
        let declaredNames = declarations.compactMap { $0["name"]?.stringValue }
        if let toolConfig = try GeminiTools.toolConfig(from: chat["tool_choice"], declaredNames: declaredNames) {
            body["toolConfig"] = toolConfig
        }
        let generationConfig = try GeminiGenerationConfig.make(from: chat)
        if !generationConfig.isEmpty {
            body["generationConfig"] = .object(generationConfig)
        }
        return .object(body)
    }
}
