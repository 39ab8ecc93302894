/// Maps Gemini's `finishReason` to OpenAI's `finish_reason`
/// (https://ai.google.dev/api/generate-content#FinishReason).
///
/// | Gemini | OpenAI |
/// | --- | --- |
/// | `STOP` | `stop`, or `tool_calls` when the choice calls functions |
/// | `MAX_TOKENS` | `length` |
/// | `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY`, `IMAGE_PROHIBITED_CONTENT`, `IMAGE_RECITATION` | `content_filter` |
/// | anything else (`LANGUAGE`, `OTHER`, `MALFORMED_FUNCTION_CALL`, …) | `stop` (`tool_calls` with calls) |
///
/// OpenAI has no "error" finish reason, so the remaining reasons end the choice normally with whatever it holds.
enum GeminiFinishReason {
    static let contentFilterReasons: Set<String> = [
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
        "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
    ]

    /// The OpenAI `finish_reason` for a Gemini one.
    ///
    /// - Parameters:
    ///   - reason: Gemini's `finishReason` (nil is read as a normal stop).
    ///   - hasToolCalls: Whether the choice holds tool calls.
    static func openAI(_ reason: String?, hasToolCalls: Bool) -> String {
        switch reason {
        case "MAX_TOKENS"?: return "length"
        case let reason? where contentFilterReasons.contains(reason): return "content_filter"
        default: return hasToolCalls ? "tool_calls" : "stop"
        }
    }
}
