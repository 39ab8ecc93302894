import Foundation

/// A chat completion (`object: "chat.completion"`).
public struct ChatResponse: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: ChatMessage
        /// `stop`, `length`, `tool_calls`, `content_filter`.
        public var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, message
            case finishReason = "finish_reason"
        }
    }

    public var id: String
    public var created: Date
    /// The model that answered.
    public var model: String
    public var choices: [Choice]
    public var usage: ChatUsage?

    /// The first choice's text.
    public var text: String? { choices.first?.message.content?.text }

    /// The first choice's text decoded as JSON into `type` (for `json_object` and `json_schema` answers).
    /// - Throws: `DecodingError` when the text is not that JSON.
    public func decodeContent<T: Decodable>(as type: T.Type) throws -> T {
        try KitJSON.decoder.decode(T.self, from: Data((text ?? "").utf8))
    }
}

/// Tokens a call used: what it is billed on.
public struct ChatUsage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
    }
}
