/// Builds Gemini `contents` and `systemInstruction` from OpenAI `messages`, one message at a time
/// (https://ai.google.dev/api/caching#Content).
///
/// - `system` and `developer` messages, wherever they stand, become the parts of `systemInstruction`, in order.
/// - `user` → role `user`; `assistant` → role `model`; `tool` → role `user` with a `functionResponse` part.
/// - Consecutive turns of one role merge into one `Content`, so parallel tool results (one `tool` message each)
///   answer their calls in one turn, as Gemini's function-calling guide shows
///   (https://ai.google.dev/gemini-api/docs/function-calling).
struct GeminiContentsBuilder {
    private(set) var contents: [JSON] = []
    private var systemParts: [JSON] = []
    /// Function names of the tool calls seen so far, by tool-call id: a `tool` message names its call by id only,
    /// and Gemini's `functionResponse` needs the function's name.
    private var functionNames: [String: String] = [:]

    /// The `systemInstruction` content, nil without system messages.
    var systemInstruction: JSON? {
        systemParts.isEmpty ? nil : ["parts": .array(systemParts)]
    }

    /// Adds `messages[index]`.
    ///
    /// - Throws: ``APIError`` 400 naming the field (`messages[3].tool_calls[0].function.arguments`) when the message
    ///   cannot be translated.
    mutating func add(_ message: JSON, at index: Int) throws(APIError) {
        let field = "messages[\(index)]"
        guard message.objectValue != nil else {
            throw APIError.invalidField(field, "must be an object with `role` and `content`")
        }
        guard let role = message["role"]?.stringValue else {
            throw APIError.invalidField("\(field).role", "is missing; use one of system, developer, user, assistant, tool")
        }
        switch role {
        case "system", "developer":
            systemParts += try GeminiParts.textParts(of: message["content"], field: "\(field).content")
        case "user":
            append(role: "user", parts: try GeminiParts.userParts(of: message["content"], field: "\(field).content"))
        case "assistant":
            append(role: "model", parts: try assistantParts(of: message, field: field))
        case "tool":
            append(role: "user", parts: [try functionResponsePart(of: message, field: field)])
        case "function":
            throw APIError.invalidField(
                "\(field).role", "is the legacy \"function\" role, which is not translated for Gemini; send tool results as "
                    + "{\"role\": \"tool\", \"tool_call_id\": ..., \"content\": ...}")
        default:
            throw APIError.invalidField(
                "\(field).role", "is \(role.jsonQuoted); use one of system, developer, user, assistant, tool")
        }
    }

    private mutating func append(role: String, parts: [JSON]) {
        guard !parts.isEmpty else { return }
        if let last = contents.last, last["role"]?.stringValue == role, let previous = last["parts"]?.arrayValue {
            contents[contents.count - 1] = ["role": .string(role), "parts": .array(previous + parts)]
        } else {
            contents.append(["role": .string(role), "parts": .array(parts)])
        }
    }

    // MARK: Assistant turns

    /// Text parts, then one `functionCall` part per tool call.
    private mutating func assistantParts(of message: JSON, field: String) throws(APIError) -> [JSON] {
        var parts = try GeminiParts.textParts(of: message["content"], field: "\(field).content", allowsRefusal: true)
        guard let toolCallsValue = message["tool_calls"], !toolCallsValue.isNull else { return parts }
        guard let toolCalls = toolCallsValue.arrayValue else {
            throw APIError.invalidField("\(field).tool_calls", "must be an array of tool calls")
        }
        for (callIndex, call) in toolCalls.enumerated() {
            let callField = "\(field).tool_calls[\(callIndex)]"
            if let type = call["type"]?.stringValue, type != "function" {
                throw APIError.invalidField("\(callField).type", "is \(type.jsonQuoted); Gemini only takes \"function\" tool calls")
            }
            guard let name = call["function"]?["name"]?.stringValue, !name.isEmpty else {
                throw APIError.invalidField("\(callField).function.name", "is missing; each tool call needs its function's name")
            }
            let arguments = try Self.arguments(of: call, field: "\(callField).function.arguments")
            if let id = call["id"]?.stringValue {
                functionNames[id] = name
            }
            var part: [String: JSON] = ["functionCall": ["name": .string(name), "args": arguments]]
            // Gemini 3 refuses a replayed step whose first function call has no thought signature; history that has
            // lost it (or never had one) gets the documented placeholder
            // (https://ai.google.dev/gemini-api/docs/thought-signatures).
            if let signature = GeminiToolCalls.thoughtSignature(of: call) {
                part["thoughtSignature"] = .string(signature)
            } else if callIndex == 0 {
                part["thoughtSignature"] = .string(GeminiToolCalls.placeholderThoughtSignature)
            }
            parts.append(.object(part))
        }
        return parts
    }

    /// The call's `arguments` JSON string parsed into the object Gemini's `functionCall.args` is.
    private static func arguments(of call: JSON, field: String) throws(APIError) -> JSON {
        guard let value = call["function"]?["arguments"], !value.isNull else { return [:] }
        if value.objectValue != nil { return value }  // lenient: some clients send the object itself
        guard let text = value.stringValue else {
            throw APIError.invalidField(field, "must be a string holding a JSON object, such as \"{\\\"city\\\": \\\"Paris\\\"}\"")
        }
        if text.allSatisfy(\.isWhitespace) { return [:] }
        guard let parsed = try? JSON(parsing: text), parsed.objectValue != nil else {
            throw APIError.invalidField(
                field, "is not a JSON object (\(String(text.prefix(60)).jsonQuoted)); send the arguments exactly as the "
                    + "model produced them, a JSON object encoded as a string")
        }
        return parsed
    }

    // MARK: Tool results

    /// A `functionResponse` part named after the call the message answers.
    private func functionResponsePart(of message: JSON, field: String) throws(APIError) -> JSON {
        guard let callID = message["tool_call_id"]?.stringValue else {
            throw APIError.invalidField("\(field).tool_call_id", "is missing; a tool message must name the tool call it answers")
        }
        guard let name = functionNames[callID] ?? message["name"]?.stringValue else {
            throw APIError.invalidField(
                "\(field).tool_call_id", "is \(callID.jsonQuoted), which matches no `tool_calls[].id` of an earlier assistant "
                    + "message; Gemini needs the function's name, so send the assistant message with its tool calls before the results")
        }
        let text = try GeminiParts.text(of: message["content"], field: "\(field).content")
        // `response` must be a JSON object (https://ai.google.dev/api/caching#FunctionResponse): a result that is one
        // goes as it is, anything else is wrapped.
        let response: JSON
        if let parsed = try? JSON(parsing: text), parsed.objectValue != nil {
            response = parsed
        } else {
            response = ["content": .string(text)]
        }
        return ["functionResponse": ["name": .string(name), "response": response]]
    }
}
