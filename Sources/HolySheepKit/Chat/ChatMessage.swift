/// One message of a chat conversation (OpenAI Chat Completions `messages[]`).
///
/// ```swift
/// let messages: [ChatMessage] = [.system("You are a screenwriter."), .user("Write a logline.")]
/// ```
public struct ChatMessage: Codable, Sendable, Equatable {
    /// Who speaks: `system`, `developer`, `user`, `assistant` or `tool`.
    public struct Role: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }

        public static let system: Role = "system"
        public static let developer: Role = "developer"
        public static let user: Role = "user"
        public static let assistant: Role = "assistant"
        public static let tool: Role = "tool"
    }

    /// A message's content: plain text, or parts (text and images).
    public enum Content: Codable, Sendable, Equatable {
        case text(String)
        case parts([ContentPart])

        /// The text, parts' texts joined.
        public var text: String {
            switch self {
            case .text(let text): text
            case .parts(let parts): parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .parts(try container.decode([ContentPart].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .parts(let parts): try container.encode(parts)
            }
        }
    }

    /// One part of a multi-part content: `{"type": "text", …}` or `{"type": "image_url", …}`; other kinds are kept as JSON.
    public enum ContentPart: Codable, Sendable, Equatable {
        case text(String)
        /// An image by URL (`https://…` or a `data:` URL); `detail` is `low`, `high` or `auto`.
        case imageURL(String, detail: String? = nil)
        case other(JSON)

        public init(from decoder: any Decoder) throws {
            let json = try JSON(from: decoder)
            switch json["type"]?.stringValue {
            case "text": self = .text(json["text"]?.stringValue ?? "")
            case "image_url" where json["image_url"]?["url"]?.stringValue != nil:
                self = .imageURL(json["image_url"]!["url"]!.stringValue!, detail: json["image_url"]?["detail"]?.stringValue)
            default: self = .other(json)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .text(let text): try JSON.object(["type": "text", "text": .string(text)]).encode(to: encoder)
            case .imageURL(let url, let detail):
                var image: [String: JSON] = ["url": .string(url)]
                image["detail"] = detail.map(JSON.string)
                try JSON.object(["type": "image_url", "image_url": .object(image)]).encode(to: encoder)
            case .other(let json): try json.encode(to: encoder)
            }
        }
    }

    public var role: Role
    public var content: Content?
    /// A participant's name.
    public var name: String?
    /// The tools an assistant message calls.
    public var toolCalls: [ToolCall]?
    /// For a `tool` message: the id of the call it answers.
    public var toolCallID: String?

    public init(role: Role, content: Content?, name: String? = nil, toolCalls: [ToolCall]? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: .text(text)) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: .text(text)) }
    public static func user(_ parts: [ContentPart]) -> ChatMessage { ChatMessage(role: .user, content: .parts(parts)) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: .assistant, content: .text(text)) }
    /// The result of a tool call, answering the call `callID`.
    public static func tool(callID: String, _ text: String) -> ChatMessage { ChatMessage(role: .tool, content: .text(text), toolCallID: callID) }

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }
}

/// A function call made by the model (`tool_calls[]`).
public struct ToolCall: Codable, Sendable, Equatable {
    public struct Function: Codable, Sendable, Equatable {
        public var name: String
        /// The arguments, as the JSON text the model wrote (it may be invalid JSON: check it).
        public var arguments: String

        public init(name: String, arguments: String) {
            self.name = name
            self.arguments = arguments
        }
    }

    public var id: String
    public var type: String
    public var function: Function

    public init(id: String, function: Function) {
        self.id = id
        self.type = "function"
        self.function = function
    }
}
