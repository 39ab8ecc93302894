extension GeminiTranslation {
    /// The tokens a Gemini `usageMetadata` counts, in OpenAI's terms
    /// (https://ai.google.dev/api/generate-content#UsageMetadata):
    ///
    /// - prompt tokens: `promptTokenCount` (which includes cached content) + `toolUsePromptTokenCount`;
    /// - completion tokens: `candidatesTokenCount` + `thoughtsTokenCount` (thinking is billed as output);
    /// - cached tokens: `cachedContentTokenCount`.
    ///
    /// - Parameter metadata: The response's `usageMetadata`.
    /// - Returns: Nil when `metadata` is absent or not an object.
    public static func tokenUsage(fromUsageMetadata metadata: JSON?) -> TokenUsage? {
        guard let metadata, metadata.objectValue != nil else { return nil }
        func count(_ key: String) -> Int { metadata[key]?.intValue ?? 0 }
        return TokenUsage(
            promptTokens: count("promptTokenCount") + count("toolUsePromptTokenCount"),
            completionTokens: count("candidatesTokenCount") + count("thoughtsTokenCount"),
            cachedTokens: count("cachedContentTokenCount"))
    }

    /// The OpenAI `usage` object for a `usageMetadata`: `prompt_tokens`, `completion_tokens`, `total_tokens`
    /// (Gemini's `totalTokenCount` when present), `prompt_tokens_details.cached_tokens` and
    /// `completion_tokens_details.reasoning_tokens` (`thoughtsTokenCount`).
    static func openAIUsage(fromUsageMetadata metadata: JSON) -> JSON? {
        guard let usage = tokenUsage(fromUsageMetadata: metadata) else { return nil }
        let total = metadata["totalTokenCount"]?.intValue ?? (usage.promptTokens + usage.completionTokens)
        return [
            "prompt_tokens": .integer(Int64(usage.promptTokens)),
            "completion_tokens": .integer(Int64(usage.completionTokens)),
            "total_tokens": .integer(Int64(total)),
            "prompt_tokens_details": ["cached_tokens": .integer(Int64(usage.cachedTokens))],
            "completion_tokens_details": ["reasoning_tokens": .integer(Int64(metadata["thoughtsTokenCount"]?.intValue ?? 0))],
        ]
    }
}
