/// Turns an Anthropic Messages stream into OpenAI `chat.completion.chunk` objects, one event at a time.
///
/// Anthropic streams `message_start`, then for each content block `content_block_start`, deltas and
/// `content_block_stop`, then `message_delta` (stop reason, cumulative usage) and `message_stop`, with `ping`s and
/// possibly an `error` anywhere (https://platform.claude.com/docs/en/build-with-claude/streaming). The chunks follow
/// OpenAI's streaming format: a role chunk first, content deltas, tool calls as `index` + `id` + `function.name`
/// then argument fragments, a chunk with the `finish_reason`, and (from ``finish(includeUsage:)``) the usage chunk
/// with empty `choices`.
///
/// ```swift
/// var stream = AnthropicChatStream(model: "claude-sonnet-4.5", created: now, jsonMode: false)
/// for event in upstreamEvents { send(stream.feed(event: event.name, data: event.data)) }
/// send(stream.finish(includeUsage: wantsUsage))   // then `data: [DONE]`
/// ```
public struct AnthropicChatStream: Sendable {
    private enum Block: Sendable {
        case text
        /// A tool call, with its OpenAI `tool_calls` index and whether argument text has been sent.
        case tool(index: Int, sentArguments: Bool)
        /// The `json_response` tool of JSON mode, whose argument text is sent as content.
        case jsonAnswer(sentContent: Bool)
        case ignored
    }

    private let model: String
    private let created: Int
    private let jsonMode: Bool
    private var id = "chatcmpl-"
    private var blocks: [Int: Block] = [:]
    private var toolCallCount = 0
    private var answeredByJSONTool = false
    private var anthropicUsage: [String: JSON] = [:]

    /// Tokens used, from `message_start` (input) and `message_delta` (cumulative output); nil before either.
    public private(set) var usage: TokenUsage?
    /// The error an `error` event reported; the caller ends the stream with it.
    public private(set) var error: APIError?
    /// The `finish_reason` sent, once `message_delta` has said why the message stopped.
    public private(set) var finishReason: String?

    /// - Parameters:
    ///   - model: the public model name the chunks carry.
    ///   - created: Unix seconds for `created`.
    ///   - jsonMode: the request had a `response_format`, so the `json_response` tool's input streams as content.
    public init(model: String, created: Int, jsonMode: Bool) {
        self.model = model
        self.created = created
        self.jsonMode = jsonMode
    }

    /// Takes one Anthropic SSE event and returns the OpenAI chunks to send for it (often none).
    /// - Parameters:
    ///   - event: the SSE `event:` name; when empty, the data's `type` is used.
    ///   - data: the event's parsed `data:`.
    public mutating func feed(event: String, data: JSON) -> [JSON] {
        switch event.isEmpty ? data["type"]?.stringValue ?? "" : event {
        case "message_start":
            id = "chatcmpl-" + (data["message"]?["id"]?.stringValue ?? "")
            mergeUsage(data["message"]?["usage"])
            return [chunk(delta: ["role": "assistant", "content": ""])]
        case "content_block_start":
            return startBlock(index: data["index"]?.intValue ?? 0, data["content_block"] ?? [:])
        case "content_block_delta":
            return delta(index: data["index"]?.intValue ?? 0, data["delta"] ?? [:])
        case "content_block_stop":
            return stopBlock(index: data["index"]?.intValue ?? 0)
        case "message_delta":
            mergeUsage(data["usage"])
            let reason = AnthropicTranslation.finishReason(
                stopReason: data["delta"]?["stop_reason"]?.stringValue, answeredByJSONTool: answeredByJSONTool)
            finishReason = reason
            return [chunk(delta: [:], finishReason: reason)]
        case "error":
            error = AnthropicTranslation.error(streamEvent: data)
            return []
        default:
            return []  // message_stop, ping, and event types added later (Anthropic says to ignore unknown ones)
        }
    }

    /// The chunks that end the stream: the usage chunk (`choices: []`) when the client asked for it with
    /// `stream_options.include_usage` and usage is known. The caller sends `data: [DONE]` after them.
    public mutating func finish(includeUsage: Bool) -> [JSON] {
        guard includeUsage, let usage else { return [] }
        return [
            [
                "id": .string(id), "object": "chat.completion.chunk", "created": .integer(Int64(created)),
                "model": .string(model), "choices": [], "usage": AnthropicTranslation.openAIUsage(usage),
            ]
        ]
    }

    // MARK: - Content blocks

    private mutating func startBlock(index: Int, _ block: JSON) -> [JSON] {
        switch block["type"]?.stringValue {
        case "text"?:
            blocks[index] = .text
            let text = block["text"]?.stringValue ?? ""
            return text.isEmpty ? [] : [chunk(delta: ["content": .string(text)])]
        case "tool_use"?:
            let name = block["name"]?.stringValue ?? ""
            if jsonMode && name == AnthropicTranslation.jsonResponseToolName {
                blocks[index] = .jsonAnswer(sentContent: false)
                answeredByJSONTool = toolCallCount == 0
                return []
            }
            let toolIndex = toolCallCount
            toolCallCount += 1
            answeredByJSONTool = false
            blocks[index] = .tool(index: toolIndex, sentArguments: false)
            let call: JSON = [
                "index": .integer(Int64(toolIndex)), "id": .string(block["id"]?.stringValue ?? ""), "type": "function",
                "function": ["name": .string(name), "arguments": ""],
            ]
            return [chunk(delta: ["tool_calls": [call]])]
        default:
            blocks[index] = .ignored  // thinking, redacted_thinking, server tools
            return []
        }
    }

    private mutating func delta(index: Int, _ delta: JSON) -> [JSON] {
        switch (blocks[index], delta["type"]?.stringValue) {
        case (.text?, "text_delta"?):
            let text = delta["text"]?.stringValue ?? ""
            return text.isEmpty ? [] : [chunk(delta: ["content": .string(text)])]
        case (.tool(let toolIndex, _)?, "input_json_delta"?):
            let fragment = delta["partial_json"]?.stringValue ?? ""
            guard !fragment.isEmpty else { return [] }
            blocks[index] = .tool(index: toolIndex, sentArguments: true)
            return [argumentsChunk(toolIndex: toolIndex, fragment)]
        case (.jsonAnswer?, "input_json_delta"?):
            let fragment = delta["partial_json"]?.stringValue ?? ""
            guard !fragment.isEmpty else { return [] }
            blocks[index] = .jsonAnswer(sentContent: true)
            return [chunk(delta: ["content": .string(fragment)])]
        default:
            return []  // thinking_delta, signature_delta, citations_delta
        }
    }

    /// A tool called without arguments streams no fragment; OpenAI clients parse `arguments`, so they get `{}`.
    private mutating func stopBlock(index: Int) -> [JSON] {
        switch blocks[index] {
        case .tool(let toolIndex, false)?:
            blocks[index] = .tool(index: toolIndex, sentArguments: true)
            return [argumentsChunk(toolIndex: toolIndex, "{}")]
        case .jsonAnswer(false)?:
            blocks[index] = .jsonAnswer(sentContent: true)
            return [chunk(delta: ["content": "{}"])]
        default:
            return []
        }
    }

    // MARK: - Building chunks

    private func chunk(delta: JSON, finishReason: String? = nil) -> JSON {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": .integer(Int64(created)),
            "model": .string(model),
            "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason.map { JSON.string($0) } ?? .null]],
        ]
    }

    private func argumentsChunk(toolIndex: Int, _ fragment: String) -> JSON {
        chunk(delta: ["tool_calls": [["index": .integer(Int64(toolIndex)), "function": ["arguments": .string(fragment)]]]])
    }

    /// Usage counts in `message_delta` are cumulative, so each field present replaces the one known.
    private mutating func mergeUsage(_ update: JSON?) {
        guard let fields = update?.objectValue else { return }
        for (name, value) in fields where value != .null { anthropicUsage[name] = value }
        usage = AnthropicTranslation.tokenUsage(anthropic: .object(anthropicUsage))
    }
}
