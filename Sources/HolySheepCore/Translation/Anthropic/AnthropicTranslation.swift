/// Translation between our public wire format, OpenAI Chat Completions, and Anthropic's Messages API
/// (`POST /v1/messages`, `anthropic-version: 2023-06-01`). Pure functions over ``JSON``: no I/O.
///
/// Two directions:
/// - **Outbound**, Anthropic as an upstream: ``messagesRequest(fromChat:upstreamModel:)`` builds the request body,
///   ``chatCompletion(fromMessage:model:created:)`` and ``AnthropicChatStream`` turn the answer back into OpenAI's
///   shape, ``error(status:body:)`` turns Anthropic's errors into ours.
/// - **Inbound**, serving the Messages API so the `anthropic` SDKs work against the gateway:
///   ``chatRequest(fromMessages:)``, ``message(fromChatCompletion:model:)``, ``AnthropicMessageStream`` and
///   ``errorBody(for:)``.
///
/// ```swift
/// let body = try AnthropicTranslation.messagesRequest(fromChat: chatRequest, upstreamModel: "claude-sonnet-4-5")
/// // POST body.bytes to https://api.anthropic.com/v1/messages with AnthropicTranslation.apiVersion
/// let completion = AnthropicTranslation.chatCompletion(fromMessage: answer, model: "claude-sonnet-4.5", created: now)
/// ```
///
/// Wire formats followed (Anthropic):
/// - Messages: https://platform.claude.com/docs/en/api/messages
/// - Streaming: https://platform.claude.com/docs/en/build-with-claude/streaming
/// - Tool use: https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use
/// - Vision: https://platform.claude.com/docs/en/build-with-claude/vision
/// - Stop reasons: https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons
/// - Prompt caching (usage fields): https://platform.claude.com/docs/en/build-with-claude/prompt-caching
/// - Errors: https://platform.claude.com/docs/en/api/errors
///
/// And OpenAI's: https://platform.openai.com/docs/api-reference/chat/create, `…/chat/object`, `…/chat/streaming`.
public enum AnthropicTranslation {
    /// The `anthropic-version` header value the translation follows.
    public static let apiVersion = "2023-06-01"

    /// `max_tokens` sent when the client gave neither `max_tokens` nor `max_completion_tokens`.
    ///
    /// Anthropic requires `max_tokens`; OpenAI makes it optional. 4096 is the largest output every Claude model
    /// accepts (the Claude 3 generation caps output at 4096 tokens; later models allow more), so the default never
    /// makes Anthropic reject a request whatever deployment it is routed to. It is also a bounded figure for the
    /// pre-authorisation hold (SPEC §3 holds a request's maximum cost, computed from `max_tokens`), and long enough
    /// for ordinary chat answers. Clients that want longer answers say so with `max_tokens`.
    public static let defaultMaxTokens = 4096

    /// The name of the tool that carries `response_format` JSON (see ``messagesRequest(fromChat:upstreamModel:)``).
    public static let jsonResponseToolName = "json_response"
}
