/// Translates between OpenAI Chat Completions (HolySheep's public wire format) and the Google Gemini API's
/// `generateContent` / `streamGenerateContent` (an upstream).
///
/// Pure functions on ``JSON`` values, no I/O. The caller sends `POST base_url + path(model:stream:)` with the
/// header `x-goog-api-key` and the body from ``generateContentRequest(fromChat:)``, then turns the answer into
/// OpenAI shapes:
///
/// ```swift
/// let body = try GeminiTranslation.generateContentRequest(fromChat: chatRequest)
/// let path = GeminiTranslation.path(model: "gemini-2.5-flash", stream: false)
/// // … send it; on a non-2xx answer: throw GeminiTranslation.error(status: status, body: errorBody)
/// if let blocked = GeminiTranslation.promptBlocked(answer) { throw blocked }
/// let completion = GeminiTranslation.chatCompletion(
///     fromGenerateContent: answer, model: "gemini-2.5-flash", id: "chatcmpl-…", created: now)
/// ```
///
/// Streams go through ``GeminiChatStream``, one SSE `data:` payload at a time.
///
/// The wire formats followed, and cited where each rule is applied:
/// - Gemini request and response: https://ai.google.dev/api/generate-content
/// - Gemini `Content`, `Part`, `Tool`, `FunctionDeclaration`, `ToolConfig`, `Schema`: https://ai.google.dev/api/caching
/// - Gemini function calling: https://ai.google.dev/gemini-api/docs/function-calling
/// - Gemini thought signatures: https://ai.google.dev/gemini-api/docs/thought-signatures
/// - Gemini structured output: https://ai.google.dev/gemini-api/docs/structured-output
/// - Gemini errors: https://ai.google.dev/gemini-api/docs/troubleshooting
/// - OpenAI: https://platform.openai.com/docs/api-reference/chat/create, …/chat/object, …/chat-streaming
public enum GeminiTranslation {
    /// The request path for a model: `/v1beta/models/{model}:generateContent`, or
    /// `/v1beta/models/{model}:streamGenerateContent?alt=sse` for a stream (without `alt=sse` Gemini streams one
    /// JSON array instead of Server-Sent Events).
    ///
    /// - Parameters:
    ///   - model: The upstream model name, with or without the `models/` prefix (`gemini-2.5-flash`).
    ///   - stream: Whether the answer should stream.
    /// - Returns: The path to append to the provider's `base_url`.
    public static func path(model: String, stream: Bool) -> String {
        let name = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        return stream ? "/v1beta/models/\(name):streamGenerateContent?alt=sse" : "/v1beta/models/\(name):generateContent"
    }
}
