import Foundation

/// One event of a streamed chat completion (`object: "chat.completion.chunk"`).
public struct ChatChunk: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var delta: Delta
        /// Set on a choice's last chunk.
        public var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, delta
            case finishReason = "finish_reason"
        }
    }

    /// What this chunk adds to the message.
    public struct Delta: Codable, Sendable, Equatable {
        public var role: ChatMessage.Role?
        public var content: String?
        public var toolCalls: [ToolCallDelta]?

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }
    }

    /// A piece of a tool call: `index` says which call; `id` and the name come first, the arguments in pieces.
    public struct ToolCallDelta: Codable, Sendable, Equatable {
        public struct Function: Codable, Sendable, Equatable {
            public var name: String?
            public var arguments: String?
        }

        public var index: Int
        public var id: String?
        public var function: Function?
    }

    public var id: String
    public var created: Date
    public var model: String
    /// Empty on the final usage chunk.
    public var choices: [Choice]
    /// Only on the last chunk (the client always asks for it with `stream_options.include_usage`).
    public var usage: ChatUsage?

    /// The text this chunk adds to the first choice.
    public var text: String { choices.first?.delta.content ?? "" }
}
