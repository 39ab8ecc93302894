/// Token usage between Anthropic's `usage` and OpenAI's.
///
/// Anthropic's `input_tokens` counts only the input after the last cache breakpoint; tokens read from or written to
/// the prompt cache are counted apart (`cache_read_input_tokens`, `cache_creation_input_tokens`), and the total input
/// is the sum of the three (https://platform.claude.com/docs/en/build-with-claude/prompt-caching). OpenAI's
/// `prompt_tokens` is the total input, with the cached part repeated in `prompt_tokens_details.cached_tokens`.
extension AnthropicTranslation {
    /// Anthropic `usage` → ``TokenUsage``; nil when there is no usage object.
    static func tokenUsage(anthropic usage: JSON?) -> TokenUsage? {
        guard let usage, usage.objectValue != nil else { return nil }
        let input = usage["input_tokens"]?.intValue ?? 0
        let cacheRead = usage["cache_read_input_tokens"]?.intValue ?? 0
        let cacheCreation = usage["cache_creation_input_tokens"]?.intValue ?? 0
        return TokenUsage(
            promptTokens: input + cacheRead + cacheCreation, completionTokens: usage["output_tokens"]?.intValue ?? 0,
            cachedTokens: cacheRead)
    }

    /// ``TokenUsage`` → OpenAI's `usage` object.
    static func openAIUsage(_ usage: TokenUsage) -> JSON {
        [
            "prompt_tokens": .integer(Int64(usage.promptTokens)),
            "completion_tokens": .integer(Int64(usage.completionTokens)),
            "total_tokens": .integer(Int64(usage.promptTokens + usage.completionTokens)),
            "prompt_tokens_details": ["cached_tokens": .integer(Int64(usage.cachedTokens))],
        ]
    }

    /// OpenAI `usage` → ``TokenUsage``; nil when there is no usage object.
    static func tokenUsage(openAI usage: JSON?) -> TokenUsage? {
        guard let usage, usage.objectValue != nil else { return nil }
        return TokenUsage(
            promptTokens: usage["prompt_tokens"]?.intValue ?? 0, completionTokens: usage["completion_tokens"]?.intValue ?? 0,
            cachedTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0)
    }

    /// ``TokenUsage`` → Anthropic's `usage` object. The cached part of the prompt is reported as a cache read;
    /// OpenAI does not report cache writes, so `cache_creation_input_tokens` is 0.
    static func anthropicUsage(_ usage: TokenUsage) -> JSON {
        [
            "input_tokens": .integer(Int64(max(0, usage.promptTokens - usage.cachedTokens))),
            "output_tokens": .integer(Int64(usage.completionTokens)),
            "cache_read_input_tokens": .integer(Int64(usage.cachedTokens)),
            "cache_creation_input_tokens": 0,
        ]
    }
}
