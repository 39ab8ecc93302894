import Crypto

/// OpenAI tool calls made from Gemini `functionCall` parts, and back.
///
/// **Ids.** Gemini names a call by function name and position, OpenAI by an id the client echoes in its `tool`
/// message. The id is `call_` + the first 24 hex digits of SHA-256(`completion id/choice index/call index`):
/// deterministic (a stream and a non-streamed answer with the same completion id agree, tests can pin them),
/// unique as long as completion ids are, and shaped like OpenAI's. The request side never decodes it: it finds
/// the function name by looking the id up in the conversation's earlier assistant `tool_calls`.
///
/// **Thought signatures.** Gemini 3 signs its function calls (`thoughtSignature` beside `functionCall`) and refuses
/// a replayed history whose first call of a step lost its signature
/// (https://ai.google.dev/gemini-api/docs/thought-signatures). A signature travels to the client as
/// `extra_content.google.thought_signature` on the tool call, the field Google's own OpenAI compatibility layer
/// uses (https://ai.google.dev/gemini-api/docs/openai); clients that send assistant messages back as they received
/// them return it. When it is missing, the first call of the step carries the documented placeholder
/// ``placeholderThoughtSignature``.
enum GeminiToolCalls {
    /// The signature Gemini documents for function calls it did not sign itself.
    static let placeholderThoughtSignature = "skip_thought_signature_validator"

    /// The id of the `callIndex`-th tool call of choice `choiceIndex` in completion `completionID`.
    static func id(completionID: String, choiceIndex: Int, callIndex: Int) -> String {
        let digest = SHA256.hash(data: Array("\(completionID)/\(choiceIndex)/\(callIndex)".utf8))
        let hex = digest.prefix(12).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }
        return "call_" + hex.joined()
    }

    /// The OpenAI tool call for one Gemini `functionCall`.
    ///
    /// - Parameters:
    ///   - call: The function call read from a part.
    ///   - id: Its id (``id(completionID:choiceIndex:callIndex:)``).
    ///   - index: Its position among the choice's calls, for stream deltas (which carry `index`); nil in a
    ///     `chat.completion`.
    static func openAIToolCall(_ call: GeminiFunctionCall, id: String, index: Int?) -> JSON {
        var toolCall: [String: JSON] = [
            "id": .string(id),
            "type": "function",
            "function": ["name": .string(call.name), "arguments": .string(call.arguments.text)],
        ]
        if let index { toolCall["index"] = .integer(Int64(index)) }
        if let signature = call.thoughtSignature {
            toolCall["extra_content"] = ["google": ["thought_signature": .string(signature)]]
        }
        return .object(toolCall)
    }

    /// The Gemini thought signature an OpenAI tool call brings back, if any.
    static func thoughtSignature(of toolCall: JSON) -> String? {
        toolCall["extra_content"]?["google"]?["thought_signature"]?.stringValue
    }
}
