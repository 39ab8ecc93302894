/// A chat completion request (OpenAI Chat Completions). Every model of the platform takes this shape, whatever
/// its provider.
///
/// ```swift
/// var request = ChatRequest(model: "gemini-2.5-flash", messages: [.user("Three shot ideas, as JSON")])
/// request.responseFormat = .jsonSchema(name: "shots", schema: ["type": "object", "properties": ["shots": ["type": "array"]]])
/// ```
public struct ChatRequest: Codable, Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var topP: Double?
    /// The most tokens the answer may have (also what is pre-authorised against the key's credits).
    public var maxTokens: Int?
    public var stop: [String]?
    public var seed: Int?
    /// An end-user id, for abuse tracking.
    public var user: String?
    public var responseFormat: ResponseFormat?
    public var tools: [ChatTool]?
    public var toolChoice: ToolChoice?
    /// Set by ``HolySheepClient/chatStream(_:)``.
    var stream: Bool?
    var streamOptions: StreamOptions?

    public init(
        model: String, messages: [ChatMessage], temperature: Double? = nil, maxTokens: Int? = nil, responseFormat: ResponseFormat? = nil,
        tools: [ChatTool]? = nil
    ) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.responseFormat = responseFormat
        self.tools = tools
    }

    struct StreamOptions: Codable, Sendable, Equatable {
        var includeUsage: Bool
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, stop, seed, user, tools, stream
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case responseFormat = "response_format"
        case toolChoice = "tool_choice"
        case streamOptions = "stream_options"
    }
}

/// The shape of the answer: free text, any JSON object, or JSON valid against a schema.
public enum ResponseFormat: Codable, Sendable, Equatable {
    case text
    case jsonObject
    /// Structured output: with `strict`, the model must follow `schema` exactly.
    case jsonSchema(name: String, schema: JSON, strict: Bool? = nil, description: String? = nil)

    public init(from decoder: any Decoder) throws {
        let json = try JSON(from: decoder)
        switch json["type"]?.stringValue {
        case "json_object": self = .jsonObject
        case "json_schema":
            let format = json["json_schema"]
            self = .jsonSchema(
                name: format?["name"]?.stringValue ?? "", schema: format?["schema"] ?? [:], strict: format?["strict"]?.boolValue,
                description: format?["description"]?.stringValue)
        default: self = .text
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .text: try JSON.object(["type": "text"]).encode(to: encoder)
        case .jsonObject: try JSON.object(["type": "json_object"]).encode(to: encoder)
        case .jsonSchema(let name, let schema, let strict, let description):
            var format: [String: JSON] = ["name": .string(name), "schema": schema]
            format["strict"] = strict.map(JSON.bool)
            format["description"] = description.map(JSON.string)
            try JSON.object(["type": "json_schema", "json_schema": .object(format)]).encode(to: encoder)
        }
    }
}

/// A function the model may call (`tools[]`).
public struct ChatTool: Codable, Sendable, Equatable {
    public struct Function: Codable, Sendable, Equatable {
        public var name: String
        public var description: String?
        /// The arguments' JSON Schema.
        public var parameters: JSON?
        public var strict: Bool?
    }

    public var type = "function"
    public var function: Function

    public static func function(name: String, description: String? = nil, parameters: JSON? = nil, strict: Bool? = nil) -> ChatTool {
        ChatTool(function: Function(name: name, description: description, parameters: parameters, strict: strict))
    }
}

/// Whether and which tool the model must call.
public enum ToolChoice: Codable, Sendable, Equatable {
    case auto, none, required
    case function(String)

    public init(from decoder: any Decoder) throws {
        let json = try JSON(from: decoder)
        switch json.stringValue {
        case "none": self = .none
        case "required": self = .required
        case "auto": self = .auto
        default: self = json["function"]?["name"]?.stringValue.map(ToolChoice.function) ?? .auto
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .auto: try JSON.string("auto").encode(to: encoder)
        case .none: try JSON.string("none").encode(to: encoder)
        case .required: try JSON.string("required").encode(to: encoder)
        case .function(let name): try JSON.object(["type": "function", "function": ["name": .string(name)]]).encode(to: encoder)
        }
    }
}
