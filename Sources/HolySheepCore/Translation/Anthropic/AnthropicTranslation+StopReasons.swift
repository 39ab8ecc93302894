/// Anthropic `stop_reason` ↔ OpenAI `finish_reason`
/// (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons).
extension AnthropicTranslation {
    /// - Parameter answeredByJSONTool: the stop was the `json_response` tool call that carries a JSON-mode answer,
    ///   which the client sees as ordinary content.
    static func finishReason(stopReason: String?, answeredByJSONTool: Bool = false) -> String {
        switch stopReason {
        case "max_tokens"?, "model_context_window_exceeded"?: "length"
        case "tool_use"?: answeredByJSONTool ? "stop" : "tool_calls"
        case "refusal"?: "content_filter"
        // end_turn, stop_sequence, pause_turn (a server tool paused the turn; the text so far is the answer), unknown.
        default: "stop"
        }
    }

    static func stopReason(finishReason: String?) -> String {
        switch finishReason {
        case "length"?: "max_tokens"
        case "tool_calls"?, "function_call"?: "tool_use"
        case "content_filter"?: "refusal"
        default: "end_turn"
        }
    }
}
