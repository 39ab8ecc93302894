extension GeminiTranslation {
    /// Translates a Gemini `GenerateContentResponse` into an OpenAI `chat.completion`
    /// (https://ai.google.dev/api/generate-content#generatecontentresponse →
    /// https://platform.openai.com/docs/api-reference/chat/object).
    ///
    /// Each candidate becomes a choice with the same index: text parts joined into `message.content`,
    /// `functionCall` parts into `message.tool_calls` (ids from ``GeminiToolCalls``, arguments as a JSON string),
    /// thought parts dropped, `finishReason` mapped by ``GeminiFinishReason``. `usageMetadata` becomes `usage`
    /// (``tokenUsage(fromUsageMetadata:)``).
    ///
    /// Check ``promptBlocked(_:)`` first: a blocked prompt has no candidates, and is better answered as an error.
    /// If one gets here anyway it becomes a single empty choice finished by `content_filter`.
    ///
    /// - Parameters:
    ///   - response: The Gemini response body.
    ///   - model: The model name to report (the public name the client asked for).
    ///   - id: The completion id (`chatcmpl-…`); tool-call ids derive from it.
    ///   - created: The Unix time to report.
    /// - Returns: The `chat.completion` object.
    public static func chatCompletion(fromGenerateContent response: JSON, model: String, id: String, created: Int) -> JSON {
        var choices = GeminiCandidate.all(in: response).map { candidate in
            var message: [String: JSON] = [
                "role": "assistant",
                "content": candidate.text.map(JSON.string) ?? .null,
                "refusal": .null,
            ]
            if !candidate.functionCalls.isEmpty {
                message["tool_calls"] = .array(candidate.functionCalls.enumerated().map { position, call in
                    let callID = GeminiToolCalls.id(completionID: id, choiceIndex: candidate.index, callIndex: position)
                    return GeminiToolCalls.openAIToolCall(call, id: callID, index: nil)
                })
            }
            let finishReason = GeminiFinishReason.openAI(candidate.finishReason, hasToolCalls: !candidate.functionCalls.isEmpty)
            return choice(index: candidate.index, message: .object(message), finishReason: finishReason)
        }
        if choices.isEmpty {
            let reason = response["promptFeedback"]?["blockReason"] != nil ? "content_filter" : "stop"
            choices = [choice(index: 0, message: ["role": "assistant", "content": .null, "refusal": .null], finishReason: reason)]
        }
        var completion: [String: JSON] = [
            "id": .string(id),
            "object": "chat.completion",
            "created": .integer(Int64(created)),
            "model": .string(model),
            "choices": .array(choices),
        ]
        if let metadata = response["usageMetadata"], let usage = openAIUsage(fromUsageMetadata: metadata) {
            completion["usage"] = usage
        }
        return .object(completion)
    }

    private static func choice(index: Int, message: JSON, finishReason: String) -> JSON {
        ["index": .integer(Int64(index)), "message": message, "logprobs": .null, "finish_reason": .string(finishReason)]
    }

    /// The error to answer when Gemini blocked the prompt itself: `promptFeedback.blockReason` is set and no
    /// candidate was generated (https://ai.google.dev/api/generate-content#PromptFeedback). In a stream it comes
    /// in the first fragment only, so check that fragment before sending anything to the client.
    ///
    /// - Parameter response: A `GenerateContentResponse` (or the first streamed fragment).
    /// - Returns: A 400 with code `content_filter` naming the block reason and the flagged categories, or nil.
    public static func promptBlocked(_ response: JSON) -> APIError? {
        guard let feedback = response["promptFeedback"], let reason = feedback["blockReason"]?.stringValue,
            reason != "BLOCK_REASON_UNSPECIFIED"
        else { return nil }
        let flagged = (feedback["safetyRatings"]?.arrayValue ?? []).compactMap { rating -> String? in
            guard let category = rating["category"]?.stringValue else { return nil }
            let probability = rating["probability"]?.stringValue ?? ""
            guard rating["blocked"]?.boolValue == true || probability == "HIGH" || probability == "MEDIUM" else { return nil }
            return probability.isEmpty ? category : "\(category) \(probability)"
        }
        let detail = flagged.isEmpty ? "blockReason \(reason)" : "blockReason \(reason); flagged: \(flagged.joined(separator: ", "))"
        return APIError(
            status: 400, type: "invalid_request_error", code: "content_filter",
            message: "Google Gemini refused the prompt before generating anything (\(detail)). Rephrase the messages or remove "
                + "the flagged content and send the request again; Gemini's safety filters cannot be switched off through this API.",
            param: "messages")
    }
}
